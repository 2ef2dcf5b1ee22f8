/**
 * The route table's vocabulary: what a route declares and what its handler sees and returns.
 * Handlers never touch uWebSockets.js objects: they get a ParsedRequest whose every field was
 * copied out and checked against the route's schema, and answer with a Reply value.
 */
import type { Static, TSchema } from '@sinclair/typebox';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** none: anyone; session-or-token: a logged-in user or an ephemeral token; operator: operator credentials. */
export type AuthRequirement = 'none' | 'session-or-token' | 'operator';

/** Who is calling, as the Authenticator resolved it. */
export interface Principal {
  /** Stable id of the user, token or operator; the key of its rate-limit bucket. */
  readonly id: string;
  /** The organization whose objects this principal may see; other tenants' objects are 404. */
  readonly tenantId: string;
  readonly operator: boolean;
  readonly via: 'session' | 'token';
}

/** Credentials from an `Authorization: Basic` header. */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

export interface RouteSchemas {
  /** Path parameters, `{name}` in the pattern; values arrive as strings and are coerced. */
  readonly params?: TSchema;
  /** Query string parameters; coerced from strings like params. */
  readonly query?: TSchema;
  /** The JSON body; a route without one ignores any body (still bounded by maxBodyBytes). */
  readonly body?: TSchema;
}

type StaticOr<S, Fallback> = S extends TSchema ? Static<S> : Fallback;

/** Everything a handler may read about its request, copied out of uWS and validated. */
export interface ParsedRequest<S extends RouteSchemas = RouteSchemas> {
  readonly method: HttpMethod;
  /** The path as requested, without the query string. */
  readonly path: string;
  readonly params: StaticOr<S['params'], Readonly<Record<string, string>>>;
  readonly query: StaticOr<S['query'], Readonly<Record<string, string>>>;
  readonly body: StaticOr<S['body'], undefined>;
  /** Set when the route's auth is not `none`, and on `none` routes when credentials came along. */
  readonly principal: Principal | undefined;
  /** Lower-cased header names: the ones every route gets plus those the route asked for. */
  readonly headers: Readonly<Record<string, string>>;
  readonly basicAuth: BasicCredentials | undefined;
  readonly sessionCookie: string | undefined;
  readonly remoteAddress: string;
  /** Whether the client reached us over TLS (cookies get `Secure`). */
  readonly secure: boolean;
  /**
   * The client's `X-Request-Id` (checked: 1-100 of `A-Za-z0-9._:-`), scoped to the principal
   * (`<principal>:<id>`) so that two callers never share one. Creating calls pass it on as the
   * control plane's idempotency key: a retry with the same id answers the first result.
   */
  readonly requestId: string | undefined;
}

/** The request id header (ours): traced in logs, echoed in the answer, and the idempotency key of creating calls. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** `{ requestId }` for a ControlPlane call's RequestOptions; empty without the header. */
export function requestOptions(req: { readonly requestId: string | undefined }): { readonly requestId?: string } {
  return req.requestId === undefined ? {} : { requestId: req.requestId };
}

/** A cookie to set (value) or clear (value undefined); always HttpOnly, SameSite=Strict, Path=/. */
export interface CookieSpec {
  readonly name: string;
  readonly value: string | undefined;
  readonly maxAgeSeconds?: number;
}

interface ReplyCommon {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Path of a created object; sent as `Location`. */
  readonly location?: string;
  readonly cookies?: readonly CookieSpec[];
}

/** What a handler answers; the framework turns it into status, headers and body. */
export type Reply =
  | (ReplyCommon & {
      readonly kind: 'json';
      readonly body: unknown;
      /** The body is never changed in place (jsonValue): its encoding may be reused. */
      readonly immutable?: boolean;
    })
  | (ReplyCommon & { readonly kind: 'text'; readonly body: string; readonly contentType?: string })
  | (ReplyCommon & { readonly kind: 'empty' });

export type Handler<S extends RouteSchemas> = (req: ParsedRequest<S>) => Promise<Reply>;

/** One entry of the route table. The same table serves requests and writes openapi.json. */
export interface RouteSpec<S extends RouteSchemas = RouteSchemas> {
  readonly method: HttpMethod;
  /** Under /api/v1: `/applications/{id}`, `/applications/{id};deployment`, `/applications/{id};design/vms`. */
  readonly path: string;
  readonly auth: AuthRequirement;
  readonly schema: S;
  readonly handler: Handler<S>;
  /**
   * The answer without waiting, when it can be had so (a read its actor answers at once on this
   * node); undefined falls back to `handler`. Tried only for a request with no body whose
   * credential the gateway already holds: such a request is answered within uWS's own handler,
   * with no promise, no hop and no abort registration.
   */
  readonly answerNow?: (req: ParsedRequest<S>) => Reply | undefined;
  /** Extra request headers (lower-case) the handler reads, e.g. tus's `upload-offset`. */
  readonly headers?: readonly string[];
  readonly summary?: string;
  /** Status of a successful answer, for openapi.json (default 200). */
  readonly successStatus?: number;
  /**
   * Its success can end or narrow what credentials allow (a token deleted, a user disabled, a
   * group's permissions edited): the authenticator's cached principals are dropped after it.
   */
  readonly changesCredentials?: boolean;
}

/** Route with its schema types erased, as stored in a table. */
export type AnyRoute = RouteSpec<RouteSchemas>;

/** Declares a route; the handler's request type follows from the schemas. */
export function defineRoute<S extends RouteSchemas>(spec: RouteSpec<S>): AnyRoute {
  return spec;
}

export function json(body: unknown, extra: Omit<ReplyCommon, 'location'> = {}): Reply {
  return { kind: 'json', body, ...extra };
}

/**
 * A JSON reply whose body is an immutable value, such as an object an actor answered from its
 * state (states are replaced, never edited in place): the gateway encodes each such object once.
 * Never for an object anyone may still change (a registry entry, a running upload's status).
 */
export function jsonValue(body: object, extra: Omit<ReplyCommon, 'location'> = {}): Reply {
  return { kind: 'json', body, immutable: true, ...extra };
}

/** A created object: 201 with the object and its path in `Location` (the SDK derives `_href` from it). */
export function created(body: unknown, location: string, status = 201): Reply {
  return { kind: 'json', body, location, status };
}

export function text(body: string, extra: Omit<ReplyCommon, 'location'> = {}): Reply {
  return { kind: 'text', body, ...extra };
}

export function empty(status = 204, extra: Omit<ReplyCommon, 'status'> = {}): Reply {
  return { kind: 'empty', status, ...extra };
}
