/**
 * The gateway seam: how people and programs reach Ravel. `createGateway` takes the route
 * table (written on `defineRoute`), the authenticator, readiness probes, metrics hooks and
 * the live event source, and serves them on uWebSockets.js:
 *
 * - `/api/v1/...` the route table (plus `/login`, `/logout`, `/openapi.json`);
 * - `/api/v1/live` WebSocket live status;
 * - `/healthz`, `/readyz`, `/metrics` outside the API root;
 * - everything else: the web console's static files.
 */
import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';
import type { Clock } from '../core/clock.ts';
import type { Lifecycle } from '../core/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { RavelConfig } from '../config/schema.ts';
import type { Authenticator } from './auth/authenticator.ts';
import type { Inflight } from './http/inflight.ts';
import type { TokenBuckets } from './limits/token-buckets.ts';
import type { AnyRoute, AuthRequirement } from './http/route.ts';
import type { LiveEvent, LiveEventSource, LiveSnapshotSource } from './live/live-events.ts';
import type { MetricsHook } from './ops/metrics.ts';
import type { ReadinessProbe } from './ops/readiness.ts';

export type { Authenticator, LoginResult } from './auth/authenticator.ts';
export type { LiveEvent, LiveEventSource, LiveSnapshotSource } from './live/live-events.ts';
export type { MetricsHook } from './ops/metrics.ts';
export type { ReadinessProbe } from './ops/readiness.ts';
export * from './http/route.ts';

/** Limits with sensible defaults; tests tighten them. */
export interface GatewayTuning {
  /** Deepest JSON nesting accepted in a body (default 32). */
  readonly maxJsonDepth: number;
  /** Largest WebSocket message a client may send (default 16 KiB). */
  readonly wsMaxPayloadBytes: number;
  /** Seconds without traffic before a WebSocket is pinged and then dropped (default 120). */
  readonly wsIdleTimeoutSeconds: number;
  /** Send buffer past which a live client is closed with 4008 (default 1 MiB). */
  readonly wsMaxBufferedBytes: number;
  readonly wsMaxTopicsPerClient: number;
  /** Largest snapshot sent to a live client; past it the client is closed with 4009 (default 64 MiB). */
  readonly wsMaxSnapshotBytes: number;
  /** How long /readyz waits for each probe (default 2000 ms). */
  readonly readinessTimeoutMs: number;
  /** Where the console's files are read from (default gateway/console). */
  readonly consoleDir: string;
}

export interface GatewayDeps {
  readonly config: Pick<RavelConfig, 'gateway' | 'dataDir'>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly routes: readonly AnyRoute[];
  readonly authenticator: Authenticator;
  readonly readiness?: readonly ReadinessProbe[];
  readonly metrics?: readonly MetricsHook[];
  readonly events?: LiveEventSource;
  /** What a live client gets first (default: empty lists at the stream's end). */
  readonly snapshots?: LiveSnapshotSource;
  readonly tuning?: Partial<GatewayTuning>;
  /** Endpoints with streamed bodies (tus uploads, disk content), beside the route table. */
  readonly streams?: readonly StreamEndpoint[];
}

/** One operation of a streaming endpoint, as openapi.json describes it. */
export interface StreamDoc {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** Under /api/v1, with `{name}` parameters: `/uploads/{id}`. */
  readonly path: string;
  readonly summary: string;
  readonly auth: AuthRequirement;
  /** Request headers it reads, beyond the credentials (`Upload-Offset`, `Range`). */
  readonly headers?: readonly string[];
}

/** What the gateway lends a streaming endpoint so it can keep the framework's rules. */
export interface StreamContext {
  readonly authenticator: Authenticator;
  /** enter/leave around each request, and `draining` to refuse new ones, as routes do. */
  readonly inflight: Inflight;
  readonly secure: boolean;
  readonly log: Logger;
  /**
   * The per-principal rate limit of routes: an endpoint takes a token once it knows the
   * principal and answers 429 (with Retry-After) when there is none. The per-address limit is
   * taken by the gateway before the endpoint's handler runs.
   */
  readonly perPrincipal: TokenBuckets;
}

/**
 * An endpoint served by its own uWS handler because its bodies are streamed bytes, not
 * JSON. Its handler must do what dispatch.ts does for routes: register onAborted at once,
 * copy chunks out of uWS buffers, cork writes after an await, end or abort every response.
 */
export interface StreamEndpoint {
  /** uWS patterns under API_PREFIX, e.g. `/uploads` and `/uploads/*`. */
  readonly patterns: readonly string[];
  /** Its operations for openapi.json; without them each pattern shows as a GET. */
  readonly docs?: readonly StreamDoc[];
  handler(ctx: StreamContext): (res: HttpResponse, req: HttpRequest) => void;
}

export interface Gateway {
  /** The port listened on (the real one when configured as 0). */
  readonly port: number;
  /** `http(s)://host:port`. */
  readonly url: string;
  readonly lifecycle: Lifecycle;
  /** Connected live clients. */
  readonly liveClients: number;
  /** Sends an event to the subscribed clients of its tenant (events from `events` arrive here too). */
  broadcast(event: LiveEvent): number;
  /**
   * Graceful shutdown: stop accepting, answer new requests on open connections with 503,
   * close WebSockets with 1001, wait for in-flight requests up to `shutdownGraceMs`, then
   * close every connection.
   */
  close(): Promise<void>;
}

export const API_PREFIX = '/api/v1';
