/**
 * Credentials as they arrive (cookie, token header, Basic) and the one function that turns
 * them into a principal for a route's auth requirement, before its handler runs.
 */
import { RavelError } from '../../core/errors.ts';
import type { AuthRequirement, BasicCredentials, Principal } from '../http/route.ts';
import type { Authenticator } from './authenticator.ts';

export const SESSION_COOKIE = 'ravel_session';
export const TOKEN_HEADER = 'x-ephemeral-token-authorization';

/** What a request carried, copied out of uWS. */
export interface Credentials {
  readonly sessionCookie: string | undefined;
  readonly token: string | undefined;
}

/** The value of cookie `name` in a Cookie header (`a=1; b=2`), undefined when absent or empty. */
export function readCookie(header: string, name: string): string | undefined {
  // Scanned in place, without splitting: it runs on every request that carries cookies. `eq`
  // is searched again only once passed, so a header of many parts is read once, not once a part.
  let eq = header.indexOf('=');
  for (let start = 0; start < header.length && eq >= 0; ) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    if (eq < start) eq = header.indexOf('=', start);
    if (eq > start && eq < end && header.slice(start, eq).trim() === name) {
      const v = header.slice(eq + 1, end).trim();
      return v === '' ? undefined : v;
    }
    start = end + 1;
  }
  return undefined;
}

export function parseBasic(header: string): BasicCredentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const unauthenticated = (why: string): RavelError => new RavelError('UNAUTHENTICATED', why);

/**
 * The principal for a route: a token header wins over a cookie (it was sent on purpose);
 * a bad one is 401 and does not fall back. On `none` routes credentials are optional and
 * bad ones are ignored.
 */
export async function resolvePrincipal(
  auth: Authenticator,
  creds: Credentials,
  requirement: AuthRequirement,
): Promise<Principal | undefined> {
  if (requirement === 'none') {
    if (creds.token === undefined && creds.sessionCookie === undefined) return undefined;
    return lookup(auth, creds).catch(() => undefined);
  }
  const principal = await lookup(auth, creds);
  if (principal === undefined) {
    throw unauthenticated(
      creds.token === undefined && creds.sessionCookie === undefined
        ? 'authentication required: log in or send a token'
        : 'session or token expired or unknown: log in again',
    );
  }
  return admit(principal, requirement);
}

/**
 * The principal when the authenticator already holds it (no await), under the same rules as
 * resolvePrincipal; undefined when it must be asked (resolvePrincipal), never "refused".
 */
export function knownPrincipal(
  auth: Authenticator,
  creds: Credentials,
  requirement: AuthRequirement,
): Principal | undefined {
  const p =
    creds.token !== undefined
      ? auth.peekToken?.(creds.token)
      : creds.sessionCookie !== undefined
        ? auth.peekSession?.(creds.sessionCookie)
        : undefined;
  return p === undefined || requirement === 'none' ? p : admit(p, requirement);
}

function admit(principal: Principal, requirement: AuthRequirement): Principal {
  if (requirement === 'operator' && !principal.operator) {
    throw new RavelError('PERMISSION_DENIED', 'operator credentials required');
  }
  return principal;
}

async function lookup(auth: Authenticator, creds: Credentials): Promise<Principal | undefined> {
  if (creds.token !== undefined) return auth.fromToken(creds.token);
  if (creds.sessionCookie !== undefined) return auth.fromSession(creds.sessionCookie);
  return undefined;
}
