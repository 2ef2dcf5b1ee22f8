/**
 * The durable record of one actor, the authority on its state: written with compare-and-set
 * on the bucket's revision, and carrying the epoch of the lease that last claimed it, so an
 * activation of an older lease can tell it has been superseded. State, reminders and the recent
 * idempotency keys with their replies share one record, so one write commits them together.
 */
import { decode, encode } from '../../core/codec.ts';
import { RavelError } from '../../core/errors.ts';
import type { Reminder } from '../actor-kind.ts';

/** A command applied under an idempotency key, and the reply its first run gave. */
export interface IdempotencyEntry {
  readonly key: string;
  /** When it was applied, ms since the epoch. */
  readonly at: number;
  readonly reply: unknown;
}

export interface ActorRecord {
  /** The kind's schema version the state was written with. */
  readonly schemaVersion: number;
  readonly epoch: number;
  /** The state as stored; the kind's decodeState reads it. */
  readonly state: unknown;
  readonly reminders: readonly Reminder[];
  /** Oldest first. */
  readonly idempotency: readonly IdempotencyEntry[];
}

type StoredReminder = [name: string, dueAt: number, data?: unknown];
type StoredIdempotency = [key: string, at: number, reply: unknown];

export function encodeRecord(r: ActorRecord): Uint8Array {
  const reminders: StoredReminder[] = r.reminders.map((m) => (m.data === undefined ? [m.name, m.dueAt] : [m.name, m.dueAt, m.data]));
  const keys: StoredIdempotency[] = r.idempotency.map((k) => [k.key, k.at, k.reply ?? null]);
  return encode({ v: r.schemaVersion, e: r.epoch, s: r.state ?? null, r: reminders, k: keys });
}

export function decodeRecord(bytes: Uint8Array): ActorRecord {
  const raw = decode(bytes);
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const { v, e, r, k } = o;
  if (typeof v !== 'number' || typeof e !== 'number' || !Array.isArray(r) || !Array.isArray(k)) {
    throw new RavelError('CORRUPT', 'actor record lacks version, epoch, reminders or keys');
  }
  const reminders = r.map((x): Reminder => {
    if (!Array.isArray(x) || typeof x[0] !== 'string' || typeof x[1] !== 'number') {
      throw new RavelError('CORRUPT', 'malformed reminder in actor record');
    }
    return x.length > 2 ? { name: x[0], dueAt: x[1], data: x[2] as unknown } : { name: x[0], dueAt: x[1] };
  });
  const idempotency = k.map((x): IdempotencyEntry => {
    if (!Array.isArray(x) || typeof x[0] !== 'string' || typeof x[1] !== 'number') {
      throw new RavelError('CORRUPT', 'malformed idempotency entry in actor record');
    }
    return { key: x[0], at: x[1], reply: x[2] as unknown };
  });
  return { schemaVersion: v, epoch: e, state: o['s'], reminders, idempotency };
}

/** The idempotency window: drops entries older than `windowMs`, then the oldest beyond `max`. */
export function trimIdempotency(
  entries: readonly IdempotencyEntry[],
  now: number,
  windowMs: number,
  max: number,
): IdempotencyEntry[] {
  const fresh = entries.filter((x) => x.at > now - windowMs);
  return fresh.length > max ? fresh.slice(fresh.length - max) : fresh;
}
