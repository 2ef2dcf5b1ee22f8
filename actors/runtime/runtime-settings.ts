/**
 * The actor runtime's settings, compiled once from the `actors` section of the config, with the
 * derived timings (how often leases are renewed, how early they are treated as lost) in one place.
 */
import type { RavelConfig } from '../../config/schema.ts';

export type ActorsConfig = RavelConfig['actors'];

export interface RuntimeSettings {
  readonly shards: number;
  readonly askTimeoutMs: number;
  readonly passivateAfterMs: number;
  readonly leaseMs: number;
  readonly mailboxCapacity: number;
  readonly idempotencyWindowMs: number;
  readonly idempotencyKeysPerActor: number;
  /** Turns of one actor written by one durable write at most. */
  readonly maxTurnsPerCommit: number;
  /** Placement runs this often: renewals, heartbeats, acquiring and handing over shards. */
  readonly tickMs: number;
  /** A lease is treated as lost this long before it expires, to allow for clock drift and pauses. */
  readonly leaseMarginMs: number;
  /** Shards one node hands over per tick at most when others join, so a join is no storm. */
  readonly handoffsPerTick: number;
  /** How often idle activations are looked for. */
  readonly passivationSweepMs: number;
  /** A failed reminder turn is tried again after this long. */
  readonly reminderRetryMs: number;
  /** Bus subjects of the runtime start with this. */
  readonly subjectPrefix: string;
}

export function compileSettings(c: ActorsConfig): RuntimeSettings {
  return {
    shards: c.shards,
    askTimeoutMs: c.askTimeoutMs,
    passivateAfterMs: c.passivateAfterMs,
    leaseMs: c.leaseMs,
    mailboxCapacity: c.mailboxCapacity,
    idempotencyWindowMs: c.idempotencyWindowMs,
    idempotencyKeysPerActor: c.idempotencyKeysPerActor,
    maxTurnsPerCommit: c.maxTurnsPerCommit,
    tickMs: Math.max(10, Math.floor(c.leaseMs / 3)),
    leaseMarginMs: Math.max(1, Math.floor(c.leaseMs / 10)),
    handoffsPerTick: Math.max(1, Math.ceil(c.shards / 16)),
    passivationSweepMs: Math.max(10, Math.min(c.passivateAfterMs / 2, 10_000)),
    reminderRetryMs: Math.max(100, Math.min(c.leaseMs, 5000)),
    subjectPrefix: 'ravel.actors',
  };
}
