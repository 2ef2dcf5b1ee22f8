/**
 * For the API's tests: a gateway with every API route over a ControlHarness (embedded grid and
 * bus, ManualClock), and a client that calls it over real HTTP the way the reference client
 * does: Basic login then the cookie, or a token header; `Accept: application/json`; a body
 * only when there is one; the answer parsed only when its content type is exactly
 * `application/json` (big integers kept exact); `href` derived from `Location`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../core/log.ts';
import { ControlHarness, operator, type ControlHarnessOptions } from '../../control/testing/control-harness.ts';
import type { Organization } from '../../domain/schemas/index.ts';
import { ControlAuthenticator } from '../auth/control-authenticator.ts';
import { TOKEN_HEADER } from '../auth/credentials.ts';
import { createGateway } from '../create-gateway.ts';
import { API_PREFIX, type Gateway } from '../gateway.ts';
import { parseJson, stringifyJson } from '../json/big-json.ts';
import { generousRateLimit } from '../test-support/test-gateway.ts';
import { apiRoutes } from './routes.ts';

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed body when the content type is exactly application/json, else undefined. */
  readonly entity: unknown;
  readonly text: string;
}

export class ApiTestGateway {
  private constructor(
    readonly h: ControlHarness,
    readonly gw: Gateway,
    private readonly dataDir: string,
  ) {}

  /** `{ deployment: true }`: applications can be published, on hosts added with `h.addHost`. */
  static async start(o: ControlHarnessOptions = {}): Promise<ApiTestGateway> {
    const h = await ControlHarness.start(o);
    const dataDir = mkdtempSync(join(tmpdir(), 'ravel-api-'));
    const gw = await createGateway({
      config: {
        dataDir,
        gateway: {
          host: '127.0.0.1',
          port: 0,
          tls: 'off',
          maxBodyBytes: 256 * 1024,
          rateLimit: generousRateLimit,
          shutdownGraceMs: 2000,
        },
      },
      clock: h.tc.clock,
      log: silentLogger,
      routes: apiRoutes(h.control),
      authenticator: new ControlAuthenticator(h.control, () => h.tc.clock.now()),
    });
    return new ApiTestGateway(h, gw, dataDir);
  }

  /** A tenant with an identity domain and its admin (`domain/root`, password `root-password`). */
  async tenant(name: string): Promise<Organization> {
    const r = await this.h.run(
      this.h.control.createOrganization(operator, {
        name,
        identityDomain: name,
        admin: { email: 'root', password: 'root-password' },
      }),
    );
    return r.organization;
  }

  /** A new tenant `name` and a client logged in as its admin. */
  async adminOf(name: string): Promise<ApiClient> {
    await this.tenant(name);
    const c = this.client();
    const r = await c.login(`${name}/root`, 'root-password');
    if (r.status !== 200) throw new Error(`the admin of ${name} cannot log in: ${r.status} ${r.text}`);
    return c;
  }

  client(): ApiClient {
    return new ApiClient(this, `${this.gw.url}${API_PREFIX}`);
  }

  /** Runs a call to the end, moving the ManualClock as the control plane needs. */
  run<T>(p: Promise<T>): Promise<T> {
    return this.h.run(p);
  }

  async stop(): Promise<void> {
    await this.h.run(this.gw.close());
    await this.h.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export class ApiClient {
  private cookie: string | undefined;
  private token: string | undefined;

  constructor(
    private readonly t: ApiTestGateway,
    private readonly base: string,
  ) {}

  /** `POST /login` with Basic; keeps the session cookie for the calls after it. */
  async login(username: string, password: string): Promise<ApiAnswer> {
    const basic = Buffer.from(`${username}:${password}`).toString('base64');
    const r = await this.send('POST', '/login', undefined, { authorization: `Basic ${basic}` });
    const setCookie = r.headers.get('set-cookie');
    if (r.status === 200 && setCookie !== null) this.cookie = setCookie.split(';')[0];
    return r;
  }

  /** Calls with `X-Ephemeral-Token-Authorization` from now on, and no cookie. */
  useToken(token: string): this {
    this.token = token;
    this.cookie = undefined;
    return this;
  }

  /** A request as the reference client makes it; `body` is an object (bigint kept) or raw text. */
  request(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    return this.send(method, path, body, {});
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    extra: Record<string, string>,
  ): Promise<ApiAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.cookie !== undefined) headers['cookie'] = this.cookie;
    if (this.token !== undefined) headers[TOKEN_HEADER] = this.token;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : stringifyJson(body);
    if (payload !== undefined) headers['content-type'] = 'application/json;charset=utf-8';
    const init: RequestInit = payload === undefined ? { method, headers } : { method, headers, body: payload };
    const res = await this.t.run(fetch(`${this.base}${path}`, init));
    const bytes = new Uint8Array(await this.t.run(res.arrayBuffer()));
    const text = Buffer.from(bytes).toString('utf8');
    const entity = res.headers.get('content-type') === 'application/json' && bytes.length > 0
      ? withHref(parseJson(bytes, { maxDepth: 64 }), res)
      : undefined;
    return { status: res.status, headers: res.headers, entity, text };
  }
}

/** `href` from `Content-Location` or `Location`, relative to the API root, as the SDK does. */
function withHref(entity: unknown, res: Response): unknown {
  const loc = res.headers.get('content-location') ?? res.headers.get('location');
  if (loc === null || typeof entity !== 'object' || entity === null || Array.isArray(entity)) return entity;
  return { ...entity, href: loc.startsWith(API_PREFIX) ? loc.slice(API_PREFIX.length) : loc };
}
