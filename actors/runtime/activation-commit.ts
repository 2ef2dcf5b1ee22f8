/**
 * The durable write at the end of a batch of turns: the record (state, reminders, recent
 * idempotency keys with replies) as one compare-and-set, bracketed by the reminder-index
 * updates that keep the index's hint never later than the earliest reminder.
 */
import { encodeRecord, trimIdempotency } from './actor-record.ts';
import { earliestDue, type Activation } from './activation.ts';

/** Resolves with the record's size once written; QUOTA_EXCEEDED (record-room.ts) before writing one over the limit. */
export async function commitActivation(a: Activation, turns: number): Promise<number> {
  const { host } = a;
  const { clock, settings, reminderIndex, records, metrics } = host;
  const due = earliestDue(a.reminders);
  if (due !== undefined && (a.indexedDue === undefined || due < a.indexedDue)) {
    // Before the record: a crash between the two leaves an early hint, never a missing one.
    await reminderIndex.put(a.shard, a.ref, due);
    a.indexedDue = due;
  }
  let idempotency = a.idempotency === undefined ? [] : [...a.idempotency.values()];
  if (idempotency.length > 0) {
    const kept = trimIdempotency(idempotency, clock.now(), settings.idempotencyWindowMs, settings.idempotencyKeysPerActor);
    if (kept.length !== idempotency.length) {
      a.idempotency = new Map(kept.map((k) => [k.key, k]));
      idempotency = kept;
    }
  }
  const bytes = encodeRecord({
    schemaVersion: a.kind.schemaVersion,
    epoch: a.epoch,
    state: a.state,
    reminders: [...a.reminders.values()],
    idempotency,
  });
  records.room.check(a.key, bytes.byteLength);
  const started = performance.now();
  a.revision = await records.commit(a.key, bytes, a.revision);
  metrics.commits.observe((performance.now() - started) * 1000);
  metrics.committedTurns += turns;
  if (due === undefined && a.indexedDue !== undefined) {
    await reminderIndex.remove(a.shard, a.ref).catch((e: unknown) => host.log.warn({ err: e }, 'stale reminder index entry kept'));
    a.indexedDue = undefined;
  } else if (due !== undefined && a.indexedDue !== undefined && due > a.indexedDue) {
    await reminderIndex.put(a.shard, a.ref, due).catch((e: unknown) => host.log.warn({ err: e }, 'early reminder hint kept'));
    a.indexedDue = due;
  }
  return bytes.byteLength;
}
