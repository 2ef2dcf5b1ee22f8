/**
 * Operations on one stream's records, run inside a write transaction of the DurableStore:
 * appending with dedup and expected-last-sequence checks, removing, and applying limits.
 */
import type { DurablePublishOptions } from '../bus.ts';
import { MAX_SEQ, type DurableStore, type MessageRecord, type StreamRecord } from './store.ts';

export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;

export type AppendResult =
  | { kind: 'stored'; seq: number }
  | { kind: 'duplicate'; seq: number }
  | { kind: 'conflict'; lastSeq: number }
  | { kind: 'missing' };

export function appendInTxn(
  store: DurableStore,
  name: string,
  subject: string,
  data: Uint8Array,
  options: DurablePublishOptions,
  now: number,
): AppendResult {
  const rec = store.streams.get(name);
  if (rec === undefined) return { kind: 'missing' };
  const window = rec.config.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  expireDedup(store, name, now - window);
  if (options.msgId !== undefined) {
    const seen = store.dedup.get([name, options.msgId]);
    if (seen !== undefined && seen.time > now - window) return { kind: 'duplicate', seq: seen.seq };
  }
  if (options.expectedLastSeq !== undefined && options.expectedLastSeq !== rec.lastSeq) {
    return { kind: 'conflict', lastSeq: rec.lastSeq };
  }
  const seq = rec.lastSeq + 1;
  const msg: MessageRecord = { subject, data, headers: options.headers ?? {}, time: now };
  void store.messages.put([name, seq], msg);
  if (options.msgId !== undefined) {
    void store.dedup.put([name, options.msgId], { seq, time: now });
    void store.dedupByTime.put([name, now, options.msgId], true);
  }
  const next: StreamRecord = {
    ...rec,
    lastSeq: seq,
    firstSeq: rec.messages === 0 ? seq : rec.firstSeq,
    messages: rec.messages + 1,
    bytes: rec.bytes + sizeOf(msg),
  };
  applyLimits(store, name, next, now);
  void store.streams.put(name, next);
  return { kind: 'stored', seq };
}

/** Drops messages beyond the stream's limits, oldest first. Mutates and returns `rec`. */
export function applyLimits(store: DurableStore, name: string, rec: StreamRecord, now: number): StreamRecord {
  const { maxMessages, maxBytes, maxAgeMs } = rec.config;
  for (;;) {
    const first = Array.from(store.messages.getRange({ start: [name, 0], end: [name, MAX_SEQ], limit: 1 }))[0];
    if (first === undefined) break;
    const { key, value } = first;
    const over =
      (maxMessages !== undefined && rec.messages > maxMessages) ||
      (maxBytes !== undefined && rec.bytes > maxBytes) ||
      (maxAgeMs !== undefined && value.time <= now - maxAgeMs);
    if (!over) break;
    removeFromRecord(store, name, rec, key[1], value);
  }
  return rec;
}

/** Removes one message by sequence; false when it was not kept. */
export function removeInTxn(store: DurableStore, name: string, seq: number): boolean {
  const rec = store.streams.get(name);
  const msg = store.messages.get([name, seq]);
  if (rec === undefined || msg === undefined) return false;
  const next = { ...rec };
  removeFromRecord(store, name, next, seq, msg);
  void store.streams.put(name, next);
  return true;
}

function removeFromRecord(store: DurableStore, name: string, rec: StreamRecord, seq: number, msg: MessageRecord): void {
  void store.messages.remove([name, seq]);
  rec.messages -= 1;
  rec.bytes -= sizeOf(msg);
  if (seq === rec.firstSeq) {
    const after = Array.from(store.messages.getKeys({ start: [name, seq + 1], end: [name, MAX_SEQ], limit: 1 }))[0];
    rec.firstSeq = after === undefined ? rec.lastSeq + 1 : after[1];
  }
}

/** Removes every record of the stream: messages, dedup entries, consumers and their pending. */
export function dropStreamInTxn(store: DurableStore, name: string): void {
  for (const key of Array.from(store.messages.getKeys({ start: [name, 0], end: [name, MAX_SEQ] }))) void store.messages.remove(key);
  for (const key of Array.from(store.dedup.getKeys({ start: [name], end: [name, '\uffff'] }))) void store.dedup.remove(key);
  for (const key of Array.from(store.dedupByTime.getKeys({ start: [name], end: [name, MAX_SEQ] }))) void store.dedupByTime.remove(key);
  for (const key of Array.from(store.consumers.getKeys({ start: [name], end: [name, '\uffff'] }))) void store.consumers.remove(key);
  for (const key of Array.from(store.pending.getKeys({ start: [name], end: [name, '\uffff'] }))) void store.pending.remove(key);
  void store.streams.remove(name);
}

function expireDedup(store: DurableStore, name: string, before: number): void {
  for (const key of Array.from(store.dedupByTime.getKeys({ start: [name, 0], end: [name, before] }))) {
    void store.dedupByTime.remove(key);
    const entry = store.dedup.get([name, key[2]]);
    if (entry !== undefined && entry.time === key[1]) void store.dedup.remove([name, key[2]]);
  }
}

export function sizeOf(msg: MessageRecord): number {
  return msg.data.length + msg.subject.length;
}
