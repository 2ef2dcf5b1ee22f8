/**
 * The request pipeline under /api/v1. The synchronous part copies everything it needs out
 * of uWS (method, URL, query, headers, address), registers onAborted and onData, and
 * answers what needs no await (404, 405, 429 per address, draining). The asynchronous part
 * resolves the principal while the body streams in, checks the per-principal rate, the
 * schemas, and only then calls the handler; its answer goes out through the guarded Exchange.
 */
import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';
import type { Logger } from '../../core/log.ts';
import { RavelError, isRavelError } from '../../core/errors.ts';
import { parseJson, type JsonLimits } from '../json/big-json.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import {
  knownPrincipal,
  parseBasic,
  readCookie,
  resolvePrincipal,
  SESSION_COOKIE,
  TOKEN_HEADER,
} from '../auth/credentials.ts';
import type { TokenBuckets } from '../limits/token-buckets.ts';
import { clientAddress } from '../limits/client-address.ts';
import type { GatewayMetrics } from '../ops/metrics.ts';
import { Exchange } from './exchange.ts';
import { declaredLength, readBody } from './request-body.ts';
import { REQUEST_ID_HEADER, type HttpMethod, type ParsedRequest, type Principal } from './route.ts';
import type { CompiledRoute, FoundRoute, Router } from './router.ts';
import { encodeError, encodeReply, type WireReply } from './wire-reply.ts';
import type { Inflight } from './inflight.ts';

export const BASE_HEADERS = [
  'cookie',
  'authorization',
  TOKEN_HEADER,
  'content-type',
  'content-length',
  'transfer-encoding',
  REQUEST_ID_HEADER,
];

const NO_HEADERS: readonly string[] = [];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** The client's request id, checked; scoped to the principal when there is one. */
function requestIdOf(raw: string | undefined, principal: Principal | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!REQUEST_ID.test(raw))
    throw new RavelError('INVALID_ARGUMENT', 'X-Request-Id: 1 to 100 characters of A-Z a-z 0-9 . _ : -', {
      details: { field: 'header/X-Request-Id' },
    });
  return `${principal?.id ?? 'anonymous'}:${raw}`;
}

export interface DispatchContext {
  readonly router: Router;
  readonly prefix: string;
  readonly authenticator: Authenticator;
  readonly perAddress: TokenBuckets;
  readonly perPrincipal: TokenBuckets;
  readonly maxBodyBytes: number;
  readonly json: JsonLimits;
  readonly secure: boolean;
  readonly metrics: GatewayMetrics;
  readonly inflight: Inflight;
  readonly log: Logger;
}

/** The most header bytes (names, values and separators) a request may carry. */
export const MAX_HEADER_BYTES = 16 * 1024;

export function rateLimited(retryAfterSeconds: number, who: string): RavelError {
  return new RavelError(
    'RATE_LIMITED',
    `too many requests from this ${who}; retry in ${retryAfterSeconds} s`,
    {
      details: { retryAfterSeconds },
    },
  );
}

export function apiHandler(ctx: DispatchContext): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    const started = performance.now();
    const ex = new Exchange(res, false);
    const method = req.getCaseSensitiveMethod().toUpperCase();
    const path = req.getUrl().slice(ctx.prefix.length) || '/';
    if (ctx.inflight.draining) {
      const e = new RavelError('UNAVAILABLE', 'the gateway is shutting down');
      return answerNow(ctx, ex, 'draining', method, started, encodeError(e), true);
    }
    const match = ctx.router.match(method, path);
    // One pass over the headers (each getHeader is a call into uWS): their size, and the
    // route's own headers (uWS gives names lower-cased; the first of a repeated name counts).
    const wanted = match.kind === 'found' ? match.route.headers : NO_HEADERS;
    const headers: Record<string, string> = {};
    let headerBytes = 0;
    req.forEach((k, v) => {
      headerBytes += k.length + v.length + 4;
      if (v !== '' && headers[k] === undefined && wanted.includes(k)) headers[k] = v;
    });
    // uWS bounds headers only when a request spans several reads: one that arrives whole is
    // parsed at any size, so the bound is kept here, the same for every request.
    if (headerBytes > MAX_HEADER_BYTES) {
      const e = new RavelError('HEADERS_TOO_LARGE', `request headers are larger than ${MAX_HEADER_BYTES} bytes`);
      return answerNow(ctx, ex, 'unmatched', method, started, encodeError(e), true);
    }
    if (match.kind === 'not-found') {
      const e = new RavelError('NOT_FOUND', `no such resource: ${path}`);
      return answerNow(ctx, ex, 'unmatched', method, started, encodeError(e), false);
    }
    if (match.kind === 'wrong-method') {
      const e = new RavelError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
      const wire = encodeError(e, [['Allow', match.allow.join(', ')]]);
      return answerNow(ctx, ex, 'unmatched', method, started, wire, false);
    }
    const route = match.route;
    const query = req.getQuery() ?? '';
    const remoteAddress = clientAddress(res);
    const length = declaredLength(headers['content-length'] ?? '');
    const hasBody =
      (length !== undefined && length > 0) || headers['transfer-encoding'] !== undefined;

    const byAddress = ctx.perAddress.take(remoteAddress);
    if (!byAddress.ok) {
      const wire = encodeError(rateLimited(byAddress.retryAfterSeconds, 'address'));
      return answerNow(ctx, ex, route.spec.path, method, started, wire, hasBody);
    }
    const copied: Copied = { method: method as HttpMethod, path, query, headers, remoteAddress };
    if (!hasBody && route.spec.answerNow !== undefined && answeredAtOnce(ctx, ex, match, copied, started)) return;
    ex.watchAborts();
    // onData must be registered now, in the synchronous part, or uWS drops the chunks.
    const body = hasBody ? readBody(ex, ctx.maxBodyBytes, length) : undefined;
    // run takes its refusal (413, client gone), but starts a little later (startSoon): meanwhile it is not unhandled.
    body?.catch(() => undefined);
    ctx.inflight.enter();
    startSoon(() => void run(ctx, ex, match, copied, body, started));
  };
}

/**
 * The synchronous lane (RouteSpec.answerNow): a request with no body and a credential the
 * authenticator holds, prepared and answered within uWS's handler. False when its credential
 * needs a lookup (the request then takes the usual way); true once it is answered, refused, or
 * handed to its handler because answerNow declined (its checks and rate token already taken).
 */
function answeredAtOnce(ctx: DispatchContext, ex: Exchange, found: FoundRoute, c: Copied, started: number): boolean {
  const route = found.route;
  const answerNow = route.spec.answerNow;
  if (answerNow === undefined) return false;
  const creds = credentialsOf(c);
  const needsLookup = needsPrincipal(route, creds);
  let principal: Principal | undefined;
  try {
    principal = needsLookup ? knownPrincipal(ctx.authenticator, creds, route.spec.auth) : undefined;
  } catch {
    return false; // a refused credential: the usual way answers it, as for every route
  }
  if (needsLookup && principal === undefined) return false;
  let req: ParsedRequest | undefined;
  try {
    req = prepare(ctx, found, c, principal, undefined, creds.sessionCookie);
    const reply = answerNow(req);
    if (reply !== undefined) ex.send(encodeReply(reply, ctx.secure, c.headers[REQUEST_ID_HEADER]));
  } catch (e) {
    failed(ctx, ex, route, c, e, true);
  }
  if (ex.done || req === undefined) {
    ctx.metrics.observe(route.spec.path, c.method, ex.status, (performance.now() - started) / 1000);
    return true;
  }
  ex.watchAborts();
  ctx.inflight.enter();
  const prepared = req;
  startSoon(() => void runPrepared(ctx, ex, route, prepared, c, started));
  return true;
}

/**
 * The asynchronous parts of the requests uWS hands over in one pass of the event loop, started
 * together from one setImmediate. uWS returns to V8 after each request, which runs the microtask
 * queue there and then: each request's bus publish (nats.js flushes its outbox from a
 * microtask) went out as a write of its own, the largest part of a REST read's CPU in cluster
 * mode beyond the ask itself. Started together, their asks leave in one write. The request is
 * already copied out of uWS (which forbids touching it after the handler returns).
 */
const batch: (() => void)[] = [];

function startBatch(): void {
  const now = batch.splice(0, batch.length);
  for (const start of now) start();
}

function startSoon(start: () => void): void {
  if (batch.push(start) === 1) setImmediate(startBatch);
}

function answerNow(
  ctx: DispatchContext,
  ex: Exchange,
  label: string,
  method: string,
  started: number,
  wire: WireReply,
  close: boolean,
): void {
  ex.send(wire, close);
  ctx.metrics.observe(label, method, ex.status, (performance.now() - started) / 1000);
}

interface Copied {
  readonly method: HttpMethod;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly remoteAddress: string;
}

/** Never rejects: every failure becomes an answer (or a log line when nobody is listening). */
async function run(
  ctx: DispatchContext,
  ex: Exchange,
  found: FoundRoute,
  c: Copied,
  bodyP: Promise<Uint8Array> | undefined,
  started: number,
): Promise<void> {
  let bodyRead = bodyP === undefined;
  const route = found.route;
  try {
    const { sessionCookie, token } = credentialsOf(c);
    const needsLookup = needsPrincipal(route, { sessionCookie, token });
    // The fast lane: a credential the authenticator holds already costs no await.
    let principal = needsLookup
      ? knownPrincipal(ctx.authenticator, { sessionCookie, token }, route.spec.auth)
      : undefined;
    let bytes: Uint8Array | undefined;
    if (principal !== undefined) {
      if (bodyP !== undefined) bytes = await bodyP;
    } else if (needsLookup && bodyP !== undefined) {
      // Both at once: a bad credential answers without waiting for the body, and an
      // oversized body answers 413 at the chunk that passes the limit.
      const creds = { sessionCookie, token };
      [principal, bytes] = await Promise.all([
        resolvePrincipal(ctx.authenticator, creds, route.spec.auth),
        bodyP,
      ]);
    } else if (needsLookup) {
      principal = await resolvePrincipal(
        ctx.authenticator,
        { sessionCookie, token },
        route.spec.auth,
      );
    } else if (bodyP !== undefined) {
      bytes = await bodyP;
    }
    bodyRead = true;
    if (!ex.open) return;
    await respond(ctx, ex, route, prepare(ctx, found, c, principal, bytes, sessionCookie), c);
  } catch (e) {
    failed(ctx, ex, route, c, e, bodyRead);
  } finally {
    ctx.inflight.leave();
    ctx.metrics.observe(route.spec.path, c.method, ex.status, (performance.now() - started) / 1000);
  }
}

/** A request prepared in the synchronous lane whose answerNow declined: its handler answers. */
async function runPrepared(ctx: DispatchContext, ex: Exchange, route: CompiledRoute, req: ParsedRequest, c: Copied, started: number): Promise<void> {
  try {
    if (ex.open) await respond(ctx, ex, route, req, c);
  } catch (e) {
    failed(ctx, ex, route, c, e, true);
  } finally {
    ctx.inflight.leave();
    ctx.metrics.observe(route.spec.path, c.method, ex.status, (performance.now() - started) / 1000);
  }
}

/** A route that asks for a principal, or a request that offers a credential (checked even where none is asked). */
function needsPrincipal(route: CompiledRoute, creds: { sessionCookie: string | undefined; token: string | undefined }): boolean {
  return route.spec.auth !== 'none' || creds.token !== undefined || creds.sessionCookie !== undefined;
}

function credentialsOf(c: Copied): { sessionCookie: string | undefined; token: string | undefined } {
  const cookie = c.headers['cookie'];
  return { sessionCookie: cookie === undefined ? undefined : readCookie(cookie, SESSION_COOKIE), token: c.headers[TOKEN_HEADER] };
}

/**
 * The checks after the credential, the same in both lanes: the principal's rate, the request
 * id, the route's schemas (params once per path), the JSON body. Throws the refusal.
 */
function prepare(ctx: DispatchContext, found: FoundRoute, c: Copied, principal: Principal | undefined, bytes: Uint8Array | undefined, sessionCookie: string | undefined): ParsedRequest {
  const route = found.route;
  if (principal !== undefined) {
    const byPrincipal = ctx.perPrincipal.take(principal.id);
    if (!byPrincipal.ok) throw rateLimited(byPrincipal.retryAfterSeconds, 'user or token');
  }
  const requestId = requestIdOf(c.headers[REQUEST_ID_HEADER], principal);
  // Checked once per path (the answer depends on the path alone), after the credentials as before.
  const params = found.checked ?? (found.checked = Object.freeze(route.checks.params(found.params)));
  const query = c.query === '' ? route.checks.emptyQuery() : route.checks.query(Object.fromEntries(new URLSearchParams(c.query)));
  let parsed: unknown;
  if (route.checks.wantsBody && bytes !== undefined && bytes.byteLength > 0) {
    const type = (c.headers['content-type'] ?? '').toLowerCase();
    if (!type.startsWith('application/json')) throw new RavelError('INVALID_ARGUMENT', 'Content-Type must be application/json');
    parsed = parseJson(bytes, ctx.json);
  }
  return {
    method: c.method,
    path: c.path,
    params,
    query,
    body: route.checks.body(parsed),
    principal,
    headers: c.headers,
    basicAuth: c.headers['authorization'] === undefined ? undefined : parseBasic(c.headers['authorization']),
    sessionCookie,
    remoteAddress: c.remoteAddress,
    secure: ctx.secure,
    requestId,
  };
}

/** The handler's answer, sent. */
async function respond(ctx: DispatchContext, ex: Exchange, route: CompiledRoute, req: ParsedRequest, c: Copied): Promise<void> {
  const reply = await route.spec.handler(req);
  if (route.spec.changesCredentials === true) ctx.authenticator.invalidate?.(req.principal);
  ex.send(encodeReply(reply, ctx.secure, c.headers[REQUEST_ID_HEADER]));
}

/** A refusal or failure, answered (or logged when nobody is listening). */
function failed(ctx: DispatchContext, ex: Exchange, route: CompiledRoute, c: Copied, e: unknown, bodyRead: boolean): void {
  // After an abort only our own errors are expected; anything else (uWS refusing a
  // write, a handler bug) is worth a log line even though nobody is listening.
  if (!ex.open) {
    if (!isRavelError(e)) ctx.log.error({ err: e, route: route.spec.path }, 'request failed after its client left');
    return;
  }
  if (!isRavelError(e) || e.httpStatus >= 500) ctx.log.error({ err: e, route: route.spec.path }, 'request failed');
  const echo = c.headers[REQUEST_ID_HEADER];
  const extra: [string, string][] = echo !== undefined && REQUEST_ID.test(echo) ? [['X-Request-Id', echo]] : [];
  ex.send(encodeError(e, extra), !bodyRead);
}
