/** What the NATS bus's parts share: the connection, JetStream handles and the call guard. */
import { headers as natsHeaders, type JetStreamClient, type JetStreamManager, type MsgHdrs, type NatsConnection } from 'nats';
import type { Logger } from '../../core/log.ts';
import type { Headers } from '../bus.ts';
import { fromNats, type ErrorContext } from './nats-errors.ts';
import type { RavelError } from '../../core/errors.ts';

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

export const msToNanos = (ms: number): number => ms * 1_000_000;
