import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UploadScheduler } from './upload-scheduler.ts';
import { MemorySink } from '../ingest/memory-sink.ts';
import { seededBytes, refusedWith } from './testing/fixtures.ts';

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
