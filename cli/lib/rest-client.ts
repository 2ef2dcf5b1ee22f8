/**
 * The CLI's REST client: which server (--url, RAVEL_URL, or the one `ravel login` used last),
 * which credentials (--token / RAVEL_TOKEN, an ephemeral token; else the saved session), and
 * calls that answer parsed JSON (big integers kept exact) or throw a RavelError carrying the
 * server's ERROR-CODE. Creating calls send an X-Request-Id and are retried once with the same
 * id after a network failure: the server answers the first result instead of creating twice.
 */
import { randomUUID } from 'node:crypto';
import { RavelError, isErrorCode } from '../../core/errors.ts';
import { parseJson, stringifyJson } from '../../gateway/json/big-json.ts';
import { readCliConfig } from './cli-config.ts';
import { usageError } from './exit-codes.ts';

const TOKEN_HEADER = 'X-Ephemeral-Token-Authorization';

/** `http://host:8080`, `http://host:8080/`, `http://host:8080/api/v1` all become the API root. */
export function apiRoot(url: string): string {
  const base = url.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) throw usageError(`not an http(s) URL: ${url}`);
  return base.endsWith('/api/v1') ? base : `${base}/api/v1`;
}

export interface ServerOptions {
  readonly url?: string | undefined;
  readonly token?: string | undefined;
}

/** The server and credentials for a command; UNAUTHENTICATED when there are none. */
export function connect(o: ServerOptions): RestClient {
  const config = readCliConfig();
  const url = o.url ?? process.env['RAVEL_URL'] ?? config.current;
  if (url === undefined) throw usageError('no server: pass --url URL, set RAVEL_URL, or run ravel login first');
  const api = apiRoot(url);
  const token = o.token ?? process.env['RAVEL_TOKEN'];
  if (token !== undefined && token !== '') return new RestClient(api, { [TOKEN_HEADER]: token }, 'token');
  const session = config.servers[api];
  if (session === undefined)
    throw new RavelError('UNAUTHENTICATED', `not logged in to ${api}: run ravel login --url ${api}`);
  return new RestClient(api, { Cookie: session.cookie }, 'session');
}

export interface CallOptions {
  /** Send an X-Request-Id (a new one when true) and retry once after a network failure. */
  readonly idempotent?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

export class RestClient {
  constructor(
    readonly api: string,
    readonly auth: Readonly<Record<string, string>>,
    private readonly via: 'session' | 'token' | 'operator',
  ) {}

  async call<T>(method: string, path: string, body?: unknown, o: CallOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...this.auth, ...o.headers };
    if (body !== undefined) headers['Content-Type'] = 'application/json;charset=utf-8';
    if (o.idempotent === true) headers['X-Request-Id'] = `cli-${randomUUID()}`;
    const init: RequestInit = body === undefined ? { method, headers } : { method, headers, body: stringifyJson(body) };
    let res: Response;
    try {
      res = await fetch(`${this.api}${path}`, init);
    } catch (e) {
      if (o.idempotent !== true) throw this.unreachable(e);
      await new Promise((r) => setTimeout(r, 1000));
      res = await fetch(`${this.api}${path}`, init).catch((e2: unknown) => {
        throw this.unreachable(e2);
      });
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status >= 400) throw this.failure(res, bytes, `${method} ${path}`);
    if (bytes.byteLength === 0 || res.headers.get('content-type') !== 'application/json') return undefined as T;
    return parseJson(bytes, { maxDepth: 64 }) as T;
  }

  private unreachable(e: unknown): RavelError {
    const why = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    return new RavelError('UNAVAILABLE', `cannot reach ${this.api}: ${why}`);
  }

  private failure(res: Response, bytes: Uint8Array, what: string): RavelError {
    const header = res.headers.get('error-code');
    const code = isErrorCode(header) ? header : res.status === 401 ? 'UNAUTHENTICATED' : 'UNAVAILABLE';
    const message = res.headers.get('error-message') ?? Buffer.from(bytes).toString('utf8').slice(0, 300);
    if (code === 'UNAUTHENTICATED' && this.via === 'session')
      return new RavelError(code, `${message}: run ravel login --url ${this.api} again`);
    return new RavelError(code, `${what}: ${res.status} ${message}`);
  }
}
