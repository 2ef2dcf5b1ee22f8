/** `POST /login` with Basic credentials: the session cookie to send with later calls, and the user's info. */
import { RavelError } from '../../core/errors.ts';
import { apiRoot } from './rest-client.ts';
import type { UploadTarget } from './tus-upload.ts';

export interface LoggedIn {
  /** `ravel_session=...`, for the Cookie header. */
  readonly cookie: string;
  /** From the cookie's Max-Age; undefined for a session cookie. */
  readonly expiresAt: number | undefined;
  readonly user: { readonly id?: number; readonly email?: string };
}

export async function basicLogin(api: string, user: string, password: string): Promise<LoggedIn> {
  const basic = Buffer.from(`${user}:${password}`).toString('base64');
  const res = await fetch(`${api}/login`, { method: 'POST', headers: { Authorization: `Basic ${basic}`, Accept: 'application/json' } }).catch((e: unknown) => {
    throw new RavelError('UNAVAILABLE', `cannot reach ${api}: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (res.status === 401) throw new RavelError('UNAUTHENTICATED', `wrong user name or password for ${api}`);
  if (res.status !== 200) throw new RavelError('UNAVAILABLE', `login answered ${res.status}: ${res.headers.get('error-message') ?? ''}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  if (!cookie.includes('=')) throw new RavelError('UNAVAILABLE', 'login answered without a session cookie');
  const maxAge = /Max-Age=(\d+)/i.exec(setCookie)?.[1];
  return {
    cookie,
    expiresAt: maxAge === undefined ? undefined : Date.now() + Number(maxAge) * 1000,
    user: (await res.json()) as LoggedIn['user'],
  };
}

/** A Basic login for one command (no session saved). */
export async function loginTarget(url: string, user: string, password: string): Promise<UploadTarget> {
  const api = apiRoot(url);
  return { api, auth: { Cookie: (await basicLogin(api, user, password)).cookie } };
}
