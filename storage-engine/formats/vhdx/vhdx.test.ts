import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertDecodesTo, convertRaw, ingestBytes, makeRaw, refusedWith } from '../testing/fixtures.ts';
import { crc32c } from './crc32c.ts';

const raw = makeRaw(5, 41);
const KiB = 1024;

test('a dynamic VHDX from qemu-img decodes bit-identical', async () => {
  await assertDecodesTo(await convertRaw(raw, 'vhdx'), raw, 'vhdx', [1 << 20, 4099]);
});

test('VHDX with 1 MiB and 8 MiB blocks, and fixed, decode bit-identical', async () => {
  await assertDecodesTo(await convertRaw(raw, 'vhdx', ['-o', 'block_size=1M']), raw, 'vhdx');
  await assertDecodesTo(await convertRaw(raw, 'vhdx', ['-o', 'subformat=fixed']), raw, 'vhdx');
  await assertDecodesTo(await convertRaw(raw, 'vhdx', ['-o', 'block_size=8M']), raw, 'vhdx');
});

test('CRC-32C matches the known check value', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
});

/** Sets a byte range in both headers and fixes their checksums. */
function editHeaders(img: Uint8Array, at: number, bytes: number[]): Uint8Array {
  const out = img.slice();
  for (const h of [64 * KiB, 128 * KiB]) {
    out.set(bytes, h + at);
    new DataView(out.buffer).setUint32(h + 4, crc32c(out.subarray(h, h + 4 * KiB), 4), true);
  }
  return out;
}

test('a VHDX whose log needs replaying is refused with a clear error', async () => {
  const img = editHeaders(await convertRaw(raw, 'vhdx'), 48, [1, 2, 3, 4]);
  await assert.rejects(ingestBytes(img), refusedWith('UNSUPPORTED_FORMAT', 'log-replay'));
});

test('a VHDX with damaged headers or truncated payload is refused', async () => {
  const img = await convertRaw(raw, 'vhdx');
  const bad = img.slice();
  bad[64 * KiB + 20] = (bad[64 * KiB + 20] ?? 0) ^ 1;
  bad[128 * KiB + 20] = (bad[128 * KiB + 20] ?? 0) ^ 1;
  await assert.rejects(ingestBytes(bad), refusedWith('DECODE_FAILED', 'bad-checksum'));
  await assert.rejects(ingestBytes(img.subarray(0, img.length - 1024 * KiB)), refusedWith('DECODE_FAILED', 'truncated'));
});
