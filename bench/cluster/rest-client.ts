/**
 * A tenant's REST client for the load generators and the checker: logs in with Basic auth,
 * keeps the session cookie (logging in again on 401), moves to the next gateway when one does
 * not answer, and classifies every answer as ok, fail (certainly not applied) or info (maybe).
 */
import type { Outcome } from './history.ts';

export interface TenantLogin {
  readonly name: string;
  readonly login: string;
  readonly password: string;
  readonly organizationId: number;
}

export interface CallResult {
  readonly outcome: Outcome;
  readonly status: number;
  readonly code: string | undefined;
  readonly body: unknown;
  readonly gateway: string;
}

/** Errors after which the request was certainly not applied. */
const definite = new Set(['NOT_FOUND', 'ILLEGAL_STATE', 'INVALID_ARGUMENT', 'ALREADY_EXISTS', 'QUOTA_EXCEEDED', 'NO_ROOM', 'PERMISSION_DENIED', 'UNAUTHENTICATED', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED']);

function refused(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED';
}

/**
 * One session per tenant, shared by every client of the process: logging in runs scrypt on
 * the node, and dozens of workers logging in at once would be the load measured. Single-flight:
 * a lost session is replaced once.
 */
class Sessions {
  private readonly cookies = new Map<string, Promise<string | undefined>>();

  get(tenant: TenantLogin, login: () => Promise<string | undefined>): Promise<string | undefined> {
    let c = this.cookies.get(tenant.name);
    if (c === undefined) {
      c = login();
      this.cookies.set(tenant.name, c);
      void c.then((v) => {
        if (v === undefined) this.cookies.delete(tenant.name);
      });
    }
    return c;
  }

  /** Forgets `cookie` if it is still the tenant's current one. */
  async drop(tenant: TenantLogin, cookie: string): Promise<void> {
    const c = this.cookies.get(tenant.name);
    if (c !== undefined && (await c) === cookie) this.cookies.delete(tenant.name);
  }
}

const sessions = new Sessions();

export class TenantClient {
  private cookie = '';
  private next: number;
  private lastLoginError = 'NO_GATEWAY';

  constructor(
    readonly tenant: TenantLogin,
    private readonly gateways: readonly string[],
    start: number,
    private readonly timeoutMs = 10_000,
  ) {
    this.next = start % Math.max(1, gateways.length);
  }

  /** The gateway the next call goes to. */
  get gateway(): string {
    return this.gateways[this.next] ?? '';
  }

  rotate(): void {
    this.next = (this.next + 1) % this.gateways.length;
  }

  private async login(): Promise<boolean> {
    const got = await sessions.get(this.tenant, () => this.loginOnce());
    this.cookie = got ?? '';
    // No session: back off, so failing logins do not become the load.
    if (got === undefined) await new Promise((r) => setTimeout(r, 2000));
    return got !== undefined;
  }

  private async loginOnce(): Promise<string | undefined> {
    const auth = `Basic ${Buffer.from(`${this.tenant.name}/${this.tenant.login}:${this.tenant.password}`).toString('base64')}`;
    for (let i = 0; i < Math.max(3, this.gateways.length); i++) {
      try {
        const r = await fetch(`${this.gateway}/api/v1/login`, { method: 'POST', headers: { authorization: auth }, signal: AbortSignal.timeout(30_000) });
        await r.arrayBuffer();
        if (r.ok) return (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
        this.lastLoginError = r.headers.get('error-code') ?? `HTTP_${r.status}`;
      } catch (e) {
        // this gateway is down: the next one
        this.lastLoginError = (e as { cause?: { code?: string }; name?: string }).cause?.code ?? (e as { name?: string }).name ?? 'ERROR';
      }
      this.rotate();
    }
    return undefined;
  }

  /** One request, never retried (a retry is a new operation in the history). */
  /** `requestId`: sent as X-Request-Id, the idempotency key of creating calls and actions. */
  async call(method: string, path: string, body?: unknown, requestId?: string): Promise<CallResult> {
    if (this.cookie === '' && !(await this.login())) return { outcome: 'fail', status: 0, code: `LOGIN_${this.lastLoginError}`, body: undefined, gateway: this.gateway };
    let res = await this.once(method, path, body, requestId);
    if (res.status === 401) {
      // The session was lost (or never reached this node): log in again; nothing was applied.
      await sessions.drop(this.tenant, this.cookie);
      this.cookie = '';
      if (await this.login()) res = await this.once(method, path, body, requestId);
    }
    return res;
  }

  private async once(method: string, path: string, body: unknown, requestId: string | undefined): Promise<CallResult> {
    const gateway = this.gateway;
    try {
      const r = await fetch(`${gateway}/api/v1${path}`, {
        method,
        headers: {
          cookie: this.cookie,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await r.text();
      const parsed = text === '' ? undefined : safeJson(text);
      const code = r.headers.get('error-code') ?? undefined;
      if (r.ok) return { outcome: 'ok', status: r.status, code: undefined, body: parsed, gateway };
      if (r.status === 503) this.rotate();
      const outcome: Outcome = r.status < 500 || (code !== undefined && definite.has(code)) ? 'fail' : 'info';
      return { outcome, status: r.status, code: code ?? `HTTP_${r.status}`, body: parsed, gateway };
    } catch (e) {
      this.rotate();
      if (refused(e)) return { outcome: 'fail', status: 0, code: 'ECONNREFUSED', body: undefined, gateway };
      const timeout = (e as { name?: string }).name === 'TimeoutError';
      return { outcome: 'info', status: 0, code: timeout ? 'CLIENT_TIMEOUT' : 'CONNECTION_LOST', body: undefined, gateway };
    }
  }

  get sessionCookie(): string {
    return this.cookie;
  }

  async ensureLogin(): Promise<boolean> {
    return this.cookie !== '' || this.login();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
