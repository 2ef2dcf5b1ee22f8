/**
 * Appending batches with origins: a batch lands once and in order though it is appended again
 * from a cursor that is behind (a new activation after a crash), though the first attempt stopped
 * halfway, and though a record stored before origins were sits in the stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../core/clock.ts';
import { decode, encode } from '../core/codec.ts';
import { RavelError } from '../core/errors.ts';
import { EmbeddedBus } from '../bus/embedded/embedded-bus.ts';
import type { EventRecord } from '../domain/events.ts';
import { BusTenantEventLog } from './bus-tenant-event-log.ts';
import { checkpointCursor, forwardedQueue, newTenantOutbox, withCheckpoint, type ForwardedEvent, type TenantOutbox } from './event-outbox.ts';
import { StreamCursor } from './tenant-appender.ts';
import type { AppendedOrigin, EventOrigin, TenantEventLog } from './tenant-event-log.ts';

const TENANT = 7;
const op = { kind: 'operator', name: 'ops' } as const;

function batch(from: number, to: number): ForwardedEvent[] {
  const out: ForwardedEvent[] = [];
  for (let i = from; i <= to; i++) out.push({ localSeq: i, name: 'APPLICATION_UPDATED', principal: op, details: { i }, time: 1000 + i });
  return out;
}

async function withLog(body: (log: BusTenantEventLog) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-appender-'));
  const bus = new EmbeddedBus({ dir, clock: new ManualClock() });
  try {
    await body(new BusTenantEventLog(bus));
  } finally {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function stored(log: TenantEventLog): Promise<{ records: EventRecord[]; origins: AppendedOrigin[] }> {
  const records: EventRecord[] = [];
  const origins: AppendedOrigin[] = [];
  for await (const r of log.read(TENANT)) records.push(r);
  for await (const o of log.readOrigins(TENANT, 1)) origins.push(o);
  return { records, origins };
}

/** A log that refuses every append after the first `n` (as a node that dies mid-batch stops). */
function failingAfter(log: TenantEventLog, n: number): TenantEventLog {
  let left = n;
  return {
    append: (r: EventRecord, o?: EventOrigin) => (left-- > 0 ? log.append(r, o) : Promise.reject(new RavelError('UNAVAILABLE', 'node died (test)'))),
    lastSequence: (t) => log.lastSequence(t),
    read: (t, f) => log.read(t, f),
    readOrigins: (t, f) => log.readOrigins(t, f),
    follow: (t, f, s) => log.follow(t, f, s),
  };
}

test('a batch stopped halfway and handed over again from an old cursor lands once, in order', async () => {
  await withLog(async (log) => {
    const first = new StreamCursor(TENANT, 1, new Map());
    await assert.rejects(first.append(failingAfter(log, 2), forwardedQueue(TENANT, 'application-5', batch(1, 4))), /node died/);
    assert.equal(await log.lastSequence(TENANT), 2, 'two of four landed');
    assert.equal(first.nextSequence, 3, 'the cursor is true to what landed');

    // A new activation starts from the checkpoint (nothing known) and is handed the whole batch
    // again, with one more event; another source's batch goes in between.
    const again = StreamCursor.fromCheckpoint(TENANT, 1, []);
    await again.append(log, forwardedQueue(TENANT, 'application-5', batch(1, 5)));
    await again.append(log, forwardedQueue(TENANT, 'library-1', batch(1, 2)));
    // The old cursor (a stale activation) tries its batch again, with one event more: those there
    // are found (the same record with the same origin), the new one goes at the end.
    await first.append(log, forwardedQueue(TENANT, 'application-5', batch(1, 6)));

    const { records, origins } = await stored(log);
    assert.deepEqual(records.map((r) => r.sequence), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(origins.map((o) => `${o.origin?.source}:${o.origin?.seq}`), [
      'application-5:1', 'application-5:2', 'application-5:3', 'application-5:4', 'application-5:5', 'library-1:1', 'library-1:2', 'application-5:6',
    ]);
    assert.deepEqual(records.map((r) => r.details['i']), [1, 2, 3, 4, 5, 1, 2, 6], 'each event once, each source in its order');
    assert.deepEqual(records.map((r) => r.time), [1001, 1002, 1003, 1004, 1005, 1001, 1002, 1006]);
    assert.equal(again.mark('application-5'), 5);
    assert.equal(first.mark('library-1'), 2, 'the stale cursor learned what it missed');
    assert.equal(first.nextSequence, 9);
  });
});

test('a retried append that landed is recognised; another record at that sequence is CONFLICT', async () => {
  await withLog(async (log) => {
    const record: EventRecord = { sequence: 1, tenantId: TENANT, time: 1, principal: { kind: 'system' }, name: 'APPLICATION_UPDATED', subjects: [], details: {} };
    const origin = { source: 'application-5', seq: 1 };
    await log.append(record, origin);
    await log.append(record, origin);
    await assert.rejects(log.append(record, { source: 'application-5', seq: 2 }), (e: unknown) => (e as RavelError).code === 'CONFLICT');
    await assert.rejects(log.append({ ...record, details: { other: true } }, origin), (e: unknown) => (e as RavelError).code === 'CONFLICT');
    assert.equal(await log.lastSequence(TENANT), 1);
  });
});

test('records stored without an origin are stepped over; a cursor past the checkpoint keeps its marks', async () => {
  await withLog(async (log) => {
    const old: EventRecord = { sequence: 1, tenantId: TENANT, time: 1, principal: { kind: 'system' }, name: 'ORGANIZATION_CREATED', subjects: [], details: {} };
    await log.append(old);
    const c = StreamCursor.fromCheckpoint(TENANT, 1, [['application-5', 3]]);
    await c.append(log, forwardedQueue(TENANT, 'application-5', batch(2, 4)));
    const { origins } = await stored(log);
    assert.deepEqual(origins, [{ sequence: 1 }, { sequence: 2, origin: { source: 'application-5', seq: 4 } }], 'only the event past the mark, after the old record');
    assert.deepEqual(c.checkpoint(), { nextSequence: 3, taken: [['application-5', 4]] });
  });
});

test('a checkpoint keeps the marks asked for; a forgotten origin is appended again (so only one that cannot send may go)', async () => {
  await withLog(async (log) => {
    const c = new StreamCursor(TENANT, 1, new Map());
    await c.append(log, forwardedQueue(TENANT, 'application-5', batch(1, 2)));
    await c.append(log, forwardedQueue(TENANT, 'library-1', batch(1, 1)));
    assert.deepEqual(c.checkpoint((s) => s !== 'application-5'), { nextSequence: 4, taken: [['library-1', 1]] });
    assert.equal(c.size, 2, 'a checkpoint leaves the cursor as it was');
    c.forget((s) => s !== 'application-5');
    assert.equal(c.size, 1);
    assert.equal(c.mark('application-5'), 0);
    await c.append(log, forwardedQueue(TENANT, 'application-5', batch(1, 2)));
    assert.equal(await log.lastSequence(TENANT), 5, 'without its mark the batch lands twice: why the organization answers a deleted application itself');
  });
});

test('a checkpoint of more than 65,535 marks is written and read back (msgpack maps stop there)', () => {
  const marks = new Map(Array.from({ length: 70_000 }, (_, i) => [`application-${1000 + i}`, 1 + (i % 7)] as const));
  const outbox = withCheckpoint(newTenantOutbox(TENANT), new StreamCursor(TENANT, 140_001, marks));
  const read = decode(encode(outbox)) as TenantOutbox;
  const c = checkpointCursor(read);
  assert.equal(c.size, 70_000);
  assert.equal(c.mark('application-70999'), 1 + (69_999 % 7));
  assert.equal(c.nextSequence, 140_001);
});
