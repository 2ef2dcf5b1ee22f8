import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { ingest } from '../ingest/ingest.ts';
import { READ_AHEAD_BYTES } from '../ingest/chunk-source.ts';
import { MemorySink } from '../ingest/memory-sink.ts';
import { buildIso } from './testing/iso-builder.ts';
import { convertRaw, ingestBytes, makeRaw, onlySink, sha256 } from './testing/fixtures.ts';

const raw = makeRaw(3);

test('raw decodes bit-identical in chunks of any size, with both hashes', async () => {
  for (const chunk of [1 << 20, 777, 512, 100_000]) {
    const got = await ingestBytes(raw, chunk);
    assert.equal(got.result.kind, 'disk');
    if (got.result.kind !== 'disk') return;
    assert.equal(got.result.disk.format, 'raw');
    assert.equal(got.result.disk.virtualSize, raw.length);
    assert.equal(got.result.uploadBytes, raw.length);
    assert.equal(got.result.uploadSha256, sha256(raw));
    assert.equal(got.result.disk.logicalSha256, sha256(raw));
    assert.deepEqual(await onlySink(got).contents(), raw);
  }
});

test('a fixed VHD is told from raw by its footer, which is not part of the disk', async () => {
  const vhd = await convertRaw(raw, 'vpc', ['-o', 'subformat=fixed,force_size=on']);
  assert.equal(vhd.length, raw.length + 512);
  const got = await ingestBytes(vhd, 65_537);
  assert.ok(got.result.kind === 'disk');
  assert.equal(got.result.disk.format, 'vhd-fixed');
  assert.equal(got.result.disk.virtualSize, raw.length);
  assert.equal(got.result.disk.logicalSha256, sha256(raw));
  assert.equal(got.result.uploadSha256, sha256(vhd));
  assert.deepEqual(await onlySink(got).contents(), raw);
});

test('a fixed VHD with a bad footer checksum or a size that disagrees is refused', async () => {
  const vhd = await convertRaw(makeRaw(1), 'vpc', ['-o', 'subformat=fixed,force_size=on']);
  const badSum = vhd.slice();
  const at = vhd.length - 512 + 48 + 7;
  badSum[at] = (badSum[at] ?? 0) ^ 0x02;
  await assert.rejects(ingestBytes(badSum), (e) => isRavelError(e, 'DECODE_FAILED') && e.details?.['reason'] === 'bad-checksum');
  const truncated = new Uint8Array(vhd.length - 4096);
  truncated.set(vhd.subarray(0, truncated.length - 512));
  truncated.set(vhd.subarray(vhd.length - 512), truncated.length - 512);
  await assert.rejects(ingestBytes(truncated), (e) => isRavelError(e, 'DECODE_FAILED') && e.details?.['reason'] === 'size-mismatch');
});

test('an ISO 9660 image records its volume label', async () => {
  const iso = buildIso('RAVEL_TOOLS');
  const got = await ingestBytes(iso, 3000);
  assert.ok(got.result.kind === 'disk');
  assert.equal(got.result.disk.format, 'iso');
  assert.equal(got.result.disk.label, 'RAVEL_TOOLS');
  assert.equal(got.result.disk.logicalSha256, sha256(iso));
  assert.deepEqual(await onlySink(got).contents(), iso);
});

test('a truncated ISO, an empty upload and a raw size that is not whole sectors are refused', async () => {
  const reason = (r: string) => (e: unknown) => isRavelError(e, 'DECODE_FAILED') && e.details?.['reason'] === r;
  await assert.rejects(ingestBytes(buildIso('CUT', 24, 40)), reason('truncated'));
  await assert.rejects(ingestBytes(new Uint8Array(0)), reason('empty'));
  await assert.rejects(ingestBytes(raw.subarray(0, 1000)), reason('unaligned-size'));
});

test('a raw upload beyond the maximum virtual size is refused while it streams', async () => {
  let pulled = 0;
  async function* endless(): AsyncGenerator<Uint8Array> {
    for (;;) {
      pulled++;
      yield new Uint8Array(65536);
    }
  }
  await assert.rejects(
    ingest(endless(), () => new MemorySink(), { limits: { maxVirtualSize: 1 << 20 } }),
    (e) => isRavelError(e, 'PAYLOAD_TOO_LARGE'),
  );
  // 16 chunks make the limit; ingest reads a bounded amount ahead of the decoder.
  assert.ok(pulled <= 18 + READ_AHEAD_BYTES / 65536, `stopped pulling soon after the limit (pulled ${pulled})`);
});
