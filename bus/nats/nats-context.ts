/** What the NATS bus's parts share: the connection, JetStream handles and the call guard. */
import { headers as natsHeaders, type JetStreamClient, type JetStreamManager, type MsgHdrs, type NatsConnection } from 'nats';
import type { Logger } from '../../core/log.ts';
import type { Headers } from '../bus.ts';
import { fromNats, type ErrorContext } from './nats-errors.ts';
import { RavelError } from '../../core/errors.ts';

export interface NatsContext {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly log: Logger;
  /** Replicas for streams and buckets that do not say. */
  readonly replicas: number;
  /** Throws CLOSED after close. */
  guard(): void;
  connected(): boolean;
  /** Registers something to stop at close; returns the function that unregisters it. */
  track(stop: () => Promise<void>): () => void;
  /**
   * Calls `lost` at the next reconnection, unless the returned function was called first. A
   * request made before a reconnection may be lost without an answer (nats.js drops what it
   * buffered while disconnected, and a request sent as the connection comes back can be served
   * before the reply inbox is subscribed again), and would wait out its whole timeout.
   */
  onReconnect(lost: () => void): () => void;
}

/**
 * A JetStream call that fails with UNAVAILABLE once the connection has come back, if it has not
 * been answered by then, instead of waiting out its timeout (30 s for a host's agent): its
 * answer may be lost. Its outcome is unknown (it may have been stored), as after any timeout,
 * so the caller retries as it would then: with the same message id, or compare-and-set.
 */
export function beforeReconnect<T>(ctx: NatsContext, what: string, call: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const forget = ctx.onReconnect(() =>
      // Not marked retryable: whether to try again is the caller's call, as after a timeout.
      reject(new RavelError('UNAVAILABLE', `${what}: the NATS connection came back before an answer; outcome unknown`, { details: { reason: 'reconnected' } })),
    );
    call.then(
      (v) => (forget(), resolve(v)),
      (e: unknown) => (forget(), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

/** Maps a client error; no responders means UNAVAILABLE (a JetStream API without a leader) unless told. */
export function mapError(ctx: NatsContext, e: unknown, what: string, extra: Partial<ErrorContext> = {}): RavelError {
  return fromNats(e, { what, connected: ctx.connected(), noRespondersMeans: 'UNAVAILABLE', ...extra });
}

export function toNatsHeaders(h: Headers | undefined): MsgHdrs | undefined {
  if (h === undefined) return undefined;
  const out = natsHeaders();
  for (const [k, v] of Object.entries(h)) out.set(k, v);
  return out;
}

/** User headers only: the `Nats-*` headers JetStream adds are dropped. */
export function fromNatsHeaders(h: MsgHdrs | undefined): Headers {
  const out: Record<string, string> = {};
  if (h === undefined) return out;
  for (const k of h.keys()) if (!/^nats-/i.test(k) && k !== 'KV-Operation') out[k] = h.get(k);
  return out;
}

/**
 * How long a pull of `consume` waits on the server. nats.js also waits this long before it tries
 * again to find its consumer after a reconnection that failed to (JetStream still starting after
 * a server restart): at its default of 30 s, a host's agent took no commands, and a replay
 * followed no reports, for 30 s after some NATS restarts.
 */
export const PULL_EXPIRES_MS = 5000;

export const msToNanos = (ms: number): number => ms * 1_000_000;
