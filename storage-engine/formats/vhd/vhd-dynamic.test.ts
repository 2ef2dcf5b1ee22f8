import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertDecodesTo, convertRaw, ingestBytes, makeRaw, refusedWith } from '../testing/fixtures.ts';
import { vhdChecksum } from './footer.ts';

const raw = makeRaw(5, 11);

test('a dynamic VHD from qemu-img decodes bit-identical', async () => {
  const vhd = await convertRaw(raw, 'vpc', ['-o', 'subformat=dynamic,force_size=on']);
  await assertDecodesTo(vhd, raw, 'vhd-dynamic', [1 << 20, 4099, 511]);
});

test('sectors whose bitmap bit is clear read as zeros', async () => {
  const vhd = await convertRaw(raw, 'vpc', ['-o', 'subformat=dynamic,force_size=on']);
  const view = new DataView(vhd.buffer, vhd.byteOffset);
  const bat = Number(view.getBigUint64(512 + 16));
  const block0 = view.getUint32(bat) * 512;
  vhd[block0] = 0x7f; // clears sector 0 of block 0
  const expected = raw.slice();
  expected.fill(0, 0, 512);
  await assertDecodesTo(vhd, expected, 'vhd-dynamic', [65536]);
});

test('a dynamic VHD with a bad checksum, a truncated body or a block overlapping the table is refused', async () => {
  const vhd = await convertRaw(raw, 'vpc', ['-o', 'subformat=dynamic,force_size=on']);
  const badFooter = vhd.slice();
  badFooter[40] = (badFooter[40] ?? 0) ^ 1;
  await assert.rejects(ingestBytes(badFooter), refusedWith('DECODE_FAILED', 'bad-checksum'));
  const badHeader = vhd.slice();
  badHeader[512 + 30] = (badHeader[512 + 30] ?? 0) ^ 1;
  await assert.rejects(ingestBytes(badHeader), refusedWith('DECODE_FAILED', 'bad-checksum'));
  await assert.rejects(ingestBytes(vhd.subarray(0, vhd.length - 1024 * 1024)), refusedWith('DECODE_FAILED', 'truncated'));
  const overlap = vhd.slice();
  const view = new DataView(overlap.buffer, overlap.byteOffset);
  const bat = Number(view.getBigUint64(512 + 16));
  view.setUint32(bat + 4, view.getUint32(bat));
  await assert.rejects(ingestBytes(overlap), refusedWith('DECODE_FAILED', 'overlap'));
});

test('a differencing VHD is refused: its parent lies outside the upload', async () => {
  const vhd = await convertRaw(raw.subarray(0, 1 << 20), 'vpc', ['-o', 'subformat=dynamic,force_size=on']);
  const view = new DataView(vhd.buffer, vhd.byteOffset);
  view.setUint32(60, 4);
  view.setUint32(64, vhdChecksum(vhd, 64, 512));
  await assert.rejects(ingestBytes(vhd), refusedWith('UNSUPPORTED_FORMAT', 'differencing'));
});
