import { test } from 'node:test';
import { Readable } from 'node:stream';
import assert from 'node:assert/strict';
import { ingest, type IngestCheckpoint } from './ingest.ts';
import { READ_AHEAD_BYTES } from './chunk-source.ts';
import { canResume } from './decoder-factory.ts';
import { resumableSha256 } from './sha256.ts';
import { MemorySink } from './memory-sink.ts';
import { isRavelError } from '../../core/errors.ts';
import { chunked, convertRaw, ingestBytes, makeRaw, sha256 } from '../formats/testing/fixtures.ts';
import { layout } from '../formats/qcow2/qcow2-edit.ts';

const raw = makeRaw(4, 61);

/** Chunks of 64 KiB that ingest may hold ahead of the sink. */
const AHEAD = READ_AHEAD_BYTES / 65536;

test('a producer faster than the sink is paused: chunks are pulled only as the sink takes them, plus the read-ahead', async () => {
  const big = makeRaw(16, 62);
  let pulled = 0;
  async function* producer(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < big.length / 65536; i++) {
      pulled++;
      yield big.subarray(i * 65536, (i + 1) * 65536);
    }
  }
  const gates: Array<() => void> = [];
  class SlowSink extends MemorySink {
    override async write(offset: number, data: Uint8Array): Promise<void> {
      await new Promise<void>((resolve) => gates.push(resolve));
      return super.write(offset, data);
    }
  }
  const sink = new SlowSink();
  const done = ingest(producer(), () => sink);
  for (let round = 0; round < 10; round++) {
    await new Promise((r) => setImmediate(r));
    assert.ok(pulled <= AHEAD + round + 2, `pulled ${pulled} chunks with ${round} writes done`);
    gates.shift()?.();
  }
  const release = setInterval(() => {
    while (gates.length > 0) gates.shift()?.();
  }, 0);
  const result = await done;
  clearInterval(release);
  assert.ok(result.kind === 'disk');
  assert.equal(result.disk.logicalSha256, sha256(big));
});

test('a web ReadableStream is a source too', async () => {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < raw.length; at += 300_000) controller.enqueue(raw.slice(at, at + 300_000));
      controller.close();
    },
  });
  const sink = new MemorySink();
  const result = await ingest(stream, () => sink);
  assert.ok(result.kind === 'disk');
  assert.equal(result.uploadSha256, sha256(raw));
  assert.ok(Buffer.from(await sink.contents()).equals(raw));
});

test('a source yielding something other than bytes is refused', async () => {
  async function* bad(): AsyncGenerator<Uint8Array> {
    yield 'text' as unknown as Uint8Array;
  }
  await assert.rejects(ingest(bad(), () => new MemorySink()), (e) => isRavelError(e, 'INVALID_ARGUMENT'));
});

/** Ingests until `cutAt` bytes, fails the source there, then resumes from the last checkpoint. */
async function interruptAndResume(image: Uint8Array, chunk: number, cutAt: number): Promise<{ cp: IngestCheckpoint; sink: MemorySink }> {
  const sink = new MemorySink();
  let last: IngestCheckpoint | undefined;
  async function* failing(): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < cutAt; at += chunk) yield image.subarray(at, Math.min(at + chunk, cutAt));
    throw new Error('connection reset');
  }
  const onCheckpoint = async (cp: IngestCheckpoint): Promise<void> => {
    last = JSON.parse(JSON.stringify(cp)) as IngestCheckpoint;
  };
  await assert.rejects(ingest(failing(), () => sink, { onCheckpoint, checkpointEveryBytes: 256 * 1024 }), (e) =>
    isRavelError(e, 'UNAVAILABLE'),
  );
  if (last === undefined) throw new Error('no checkpoint was taken');
  return { cp: last, sink };
}

for (const [name, make] of [
  ['raw', async () => raw],
  ['stream-optimized VMDK', () => convertRaw(raw, 'vmdk', ['-o', 'subformat=streamOptimized'])],
  ['fixed VHD', () => convertRaw(raw, 'vpc', ['-o', 'subformat=fixed,force_size=on'])],
  ['qcow2', () => convertRaw(raw, 'qcow2')],
  ['compressed qcow2', () => convertRaw(raw, 'qcow2', ['-c'])],
  ['VHDX', () => convertRaw(raw, 'vhdx', ['-o', 'block_size=1M'])],
  ['dynamic VHD', () => convertRaw(raw, 'vpc', ['-o', 'subformat=dynamic,force_size=on'])],
  ['sparse VMDK', () => convertRaw(raw, 'vmdk')],
] as const) {
  test(`an interrupted ${name} ingest resumes from its last checkpoint with the same hashes, cut at several points`, async () => {
    const image = await make();
    for (const fraction of [0.4, 0.7, 0.97]) {
      const cut = Math.floor(image.length * fraction);
      const { cp, sink } = await interruptAndResume(image, 100_003, cut);
      assert.ok(cp.uploadOffset > 0 && cp.uploadOffset <= cut, `checkpoint at ${cp.uploadOffset} of a cut at ${cut}`);
      const result = await ingest(chunked(image.subarray(cp.uploadOffset), 77_777), () => sink, { resumeFrom: cp });
      assert.ok(result.kind === 'disk');
      assert.equal(result.uploadBytes, image.length);
      assert.equal(result.uploadSha256, sha256(image));
      assert.equal(result.disk.logicalSha256, sha256(raw));
      assert.ok(Buffer.from(await sink.contents()).equals(raw));
    }
  });
}

test('a format without resume (flat VMDK, only inside an OVA) refuses a checkpoint for it, typed', async () => {
  const empty = (await resumableSha256()).save() ?? '';
  for (const format of ['vmdk-flat'] as const) {
    assert.equal(canResume(format), false);
    const cp = { version: 1, uploadOffset: 0, uploadHash: empty, logical: { virtualSize: 0, cursor: 0, inOrder: true, hash: empty }, decoder: { format, uploadOffset: 0, state: {} } } as const;
    await assert.rejects(
      ingest(chunked(raw, 65536), () => new MemorySink(), { resumeFrom: cp }),
      (e) => isRavelError(e, 'UNSUPPORTED_FORMAT') && e.details?.['reason'] === 'not-resumable' && e.details['format'] === format,
    );
  }
  const bogus = { version: 1, uploadOffset: 0, uploadHash: empty, logical: { virtualSize: 0, cursor: 0, inOrder: true, hash: empty }, decoder: { format: 'tape', uploadOffset: 0, state: {} } };
  await assert.rejects(
    ingest(chunked(raw, 65536), () => new MemorySink(), { resumeFrom: bogus as unknown as IngestCheckpoint }),
    (e) => isRavelError(e, 'INVALID_ARGUMENT'),
  );
});

test('data that arrives out of logical order is hashed by reading the sink back', async () => {
  const img = await convertRaw(raw, 'qcow2', ['-o', 'cluster_size=65536']);
  const { l2, view, clusterSize } = layout(img);
  const table = l2[0] ?? 0;
  const e0 = view.getBigUint64(table);
  const e1 = view.getBigUint64(table + 8);
  view.setBigUint64(table, e1);
  view.setBigUint64(table + 8, e0);
  const a = Number(e0 & 0x00fffffffffffe00n);
  const b = Number(e1 & 0x00fffffffffffe00n);
  const ca = img.slice(a, a + clusterSize);
  img.copyWithin(a, b, b + clusterSize);
  img.set(ca, b);
  const got = await ingestBytes(img);
  assert.ok(got.result.kind === 'disk');
  assert.equal(got.result.disk.hashPass, true);
  assert.equal(got.result.disk.logicalSha256, sha256(raw));
});

test('a refused upload stops reading and closes its source', async () => {
  let pulled = 0;
  let closed = false;
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        pulled++;
        yield new Uint8Array(65536);
      }
    } finally {
      closed = true;
    }
  }
  await assert.rejects(ingest(source(), () => new MemorySink(), { limits: { maxVirtualSize: 256 * 1024 } }), (e) =>
    isRavelError(e, 'PAYLOAD_TOO_LARGE'),
  );
  assert.ok(closed, 'the source was closed');
  assert.ok(pulled < AHEAD + 10, `stopped pulling (${pulled} chunks)`);
  closed = false;
  async function* badHeader(): AsyncGenerator<Uint8Array> {
    try {
      const h = new Uint8Array(65536);
      h.set([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 9]);
      for (;;) yield h;
    } finally {
      closed = true;
    }
  }
  await assert.rejects(ingest(badHeader(), () => new MemorySink()), (e) => isRavelError(e, 'DECODE_FAILED'));
  assert.ok(closed, 'the source was closed after a refusal in its first chunk');
});

test('a refused upload closes a stalled source at once, with a read still outstanding', async () => {
  const bad = new Uint8Array(65536);
  bad.set([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 9]);
  let closed = false;
  let served = 0;
  const stalled: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () => (served++ === 0 ? Promise.resolve({ value: bad, done: false }) : new Promise<never>(() => undefined)),
      return: () => {
        closed = true;
        return Promise.resolve({ value: undefined, done: true });
      },
    }),
  };
  await assert.rejects(ingest(stalled, () => new MemorySink()), (e) => isRavelError(e, 'DECODE_FAILED'));
  assert.ok(served >= 2, 'a read was outstanding when ingest refused');
  assert.ok(closed, 'the stalled source was closed');

  const stream = new Readable({ read: () => undefined });
  stream.push(bad);
  await assert.rejects(ingest(stream, () => new MemorySink()), (e) => isRavelError(e, 'DECODE_FAILED'));
  assert.ok(stream.destroyed, 'the stalled stream was destroyed');
});
