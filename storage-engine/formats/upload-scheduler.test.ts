import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UploadScheduler } from './upload-scheduler.ts';
import { MemorySink } from '../ingest/memory-sink.ts';
import { seededBytes, refusedWith } from './testing/fixtures.ts';
import { schedulerStateFrom, type Bound, type ClaimTag, type SchedulerState } from './scheduler-checkpoint.ts';

const upload = seededBytes(10_000, 9);

async function pushAll(s: UploadScheduler, bytes: Uint8Array, chunk: number): Promise<void> {
  for (let at = 0; at < bytes.length; at += chunk) await s.push(bytes.subarray(at, at + chunk));
}

function fresh(): { sink: MemorySink; s: UploadScheduler; taken: Map<string, Uint8Array> } {
  const sink = new MemorySink();
  sink.setVirtualSize(0);
  return { sink, s: new UploadScheduler(sink, 'test', { maxPendingRanges: 100, maxTableBytes: 1 << 20 }), taken: new Map() };
}

test('claims ahead are taken as they pass; claims behind are read back from staging and released', async () => {
  const { sink, s, taken } = fresh();
  await s.claim({ kind: 'whole', offset: 1000, length: 300, what: 'a', take: async (b) => void taken.set('a', b) });
  await pushAll(s, upload.subarray(0, 6000), 777);
  assert.ok(sink.stagedBytes > 0, 'unclaimed bytes are staged');
  await s.claim({ kind: 'whole', offset: 5000, length: 2000, what: 'b', take: async (b) => void taken.set('b', b) });
  await s.claim({ kind: 'whole', offset: 100, length: 50, what: 'c', take: async (b) => void taken.set('c', b) });
  await s.push(upload.subarray(6000));
  await s.finish();
  assert.deepEqual(taken.get('a'), upload.subarray(1000, 1300));
  assert.deepEqual(taken.get('b'), upload.subarray(5000, 7000), 'a claim straddling the position joins staged and new bytes');
  assert.deepEqual(taken.get('c'), upload.subarray(100, 150));
  assert.equal(sink.stagedBytes, 0, 'finish releases what no claim used');
});

test('once tables are complete, unclaimed bytes are not staged', async () => {
  const { sink, s } = fresh();
  s.tablesComplete();
  await pushAll(s, upload, 1000);
  assert.equal(sink.peakStagedBytes, 0);
});

test('two plain claims on the same bytes, or a claim on bytes already used, are overlaps', async () => {
  const a = fresh();
  await a.s.claim({ kind: 'stream', offset: 0, length: 100, what: 'x', deliver: async () => {} });
  await a.s.claim({ kind: 'stream', offset: 50, length: 100, what: 'y', deliver: async () => {} });
  await assert.rejects(pushAll(a.s, upload, 4096), refusedWith('DECODE_FAILED', 'overlap'));
  const b = fresh();
  await b.s.claim({ kind: 'stream', offset: 0, length: 100, what: 'x', deliver: async () => {} });
  await pushAll(b.s, upload.subarray(0, 1000), 4096);
  await assert.rejects(
    b.s.claim({ kind: 'whole', offset: 90, length: 20, what: 'y', take: async () => {} }),
    refusedWith('DECODE_FAILED', 'overlap'),
  );
});

test('shared claims may share their edge sectors, also when the second comes later', async () => {
  const { s, taken } = fresh();
  const shared = (name: string, offset: number, length: number) => ({
    kind: 'whole' as const,
    offset,
    length,
    what: name,
    shared: true,
    take: async (b: Uint8Array) => void taken.set(name, b),
  });
  await s.claim(shared('a', 1000, 1200));
  await s.claim(shared('b', 1800, 700));
  await pushAll(s, upload.subarray(0, 4000), 333);
  await s.claim(shared('c', 2400, 300));
  await s.push(upload.subarray(4000));
  await s.finish();
  assert.deepEqual(taken.get('a'), upload.subarray(1000, 2200));
  assert.deepEqual(taken.get('b'), upload.subarray(1800, 2500));
  assert.deepEqual(taken.get('c'), upload.subarray(2400, 2700));
});

test('a claim past the end of the upload is reported as truncation, unless its minimum came', async () => {
  const { s, taken } = fresh();
  await s.claim({ kind: 'whole', offset: 9900, length: 200, minLength: 50, what: 'tail', take: async (b) => void taken.set('t', b) });
  await pushAll(s, upload, 4096);
  await s.finish();
  assert.deepEqual(taken.get('t'), upload.subarray(9900));
  const other = fresh();
  await other.s.claim({ kind: 'whole', offset: 9990, length: 200, what: 'table', take: async () => {} });
  await pushAll(other.s, upload, 4096);
  await assert.rejects(other.s.finish(), refusedWith('DECODE_FAILED', 'truncated'));
});

test('a saved state, through JSON into a new scheduler, goes on as if never stopped: split, half-filled and half-streamed claims', async () => {
  const sink = new MemorySink();
  sink.setVirtualSize(0);
  const limits = { maxPendingRanges: 100, maxTableBytes: 1 << 20 };
  const taken = new Map<string, Uint8Array>();
  const streamed = new Uint8Array(upload.length);
  const bind = (tag: ClaimTag): Bound =>
    tag['t'] === 'stream'
      ? { kind: 'stream', deliver: async (at, b) => void streamed.set(b, Number(tag['from']) + at) }
      : { kind: 'whole', take: async (b) => void taken.set(String(tag['name']), b) };
  /** Saves, goes through JSON, and restores into a new scheduler. */
  const hop = (from: UploadScheduler): { s: UploadScheduler; state: SchedulerState } => {
    const state = from.save();
    assert.ok(state !== undefined);
    const s = new UploadScheduler(sink, 'test', limits, bind);
    s.restore(schedulerStateFrom(JSON.parse(JSON.stringify(state)), 'test'));
    assert.equal(s.received, from.received);
    return { s, state };
  };
  let s = new UploadScheduler(sink, 'test', limits, bind);
  await s.claimTagged({ offset: 3700, length: 2000, what: 'table', tag: { t: 'whole', name: 'a' } });
  await s.claimTagged({ offset: 7000, length: 1000, what: 'data', tag: { t: 'stream', from: 7000 } });
  await s.claimTagged({ offset: 9000, length: 500, what: 'pending table', tag: { t: 'whole', name: 'b' } });
  await s.push(upload.subarray(0, 3000));
  // Straddling the position, it reads 2600..3000 back from staging and keeps them as its prefix.
  await s.claimTagged({ offset: 2600, length: 1000, what: 'split table', tag: { t: 'whole', name: 'c' } });
  let hopped = hop(s);
  assert.ok(hopped.state.pending.some((c) => c.prefix !== undefined));
  s = hopped.s;
  await s.push(upload.subarray(3000, 5200));
  hopped = hop(s);
  assert.equal(hopped.state.active[0]?.filled, 1500, 'the table is half-filled at the second save');
  s = hopped.s;
  await s.push(upload.subarray(5200, 7500));
  hopped = hop(s);
  assert.equal(hopped.state.active[0]?.filled, 500, 'the data is half-streamed at the third save');
  s = hopped.s;
  await s.push(upload.subarray(7500));
  await s.finish();
  assert.deepEqual(taken.get('a'), upload.subarray(3700, 5700));
  assert.deepEqual(taken.get('b'), upload.subarray(9000, 9500));
  assert.deepEqual(taken.get('c'), upload.subarray(2600, 3600));
  assert.deepEqual(streamed.subarray(7000, 8000), upload.subarray(7000, 8000));
  assert.equal(sink.stagedBytes, 0);
});

test('a claim made without a tag means no checkpoint; a malformed saved state is refused typed', async () => {
  const { s } = fresh();
  await s.claim({ kind: 'whole', offset: 10, length: 10, what: 'untagged', take: async () => undefined });
  assert.equal(s.save(), undefined);
  assert.throws(
    () => schedulerStateFrom({ position: -1, discard: false, staged: [], pending: [], active: [] }, 'test'),
    refusedWith('DECODE_FAILED', 'bad-checkpoint'),
  );
  assert.throws(
    () => schedulerStateFrom({ position: 0, discard: false, staged: [], pending: [{ kind: 'tape' }], active: [] }, 'test'),
    refusedWith('DECODE_FAILED', 'bad-checkpoint'),
  );
});
