import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertDecodesTo,
  convertRaw,
  ingestBytes,
  makeRaw,
  qemuImg,
  refusedWith,
  withTempDir,
} from '../testing/fixtures.ts';

const raw = makeRaw(6, 21);

test('a monolithic sparse VMDK decodes bit-identical', async () => {
  const vmdk = await convertRaw(raw, 'vmdk');
  await assertDecodesTo(vmdk, raw, 'vmdk-sparse', [1 << 20, 4099, 333]);
});

test('a stream-optimized VMDK decodes bit-identical', async () => {
  const vmdk = await convertRaw(raw, 'vmdk', ['-o', 'subformat=streamOptimized']);
  await assertDecodesTo(vmdk, raw, 'vmdk-stream', [1 << 20, 4099, 333]);
});

test('a truncated stream-optimized VMDK or a damaged grain is refused', async () => {
  const vmdk = await convertRaw(raw, 'vmdk', ['-o', 'subformat=streamOptimized']);
  await assert.rejects(ingestBytes(vmdk.subarray(0, vmdk.length >> 1)), refusedWith('DECODE_FAILED', 'truncated'));
  const overhead = Number(new DataView(vmdk.buffer, vmdk.byteOffset).getBigUint64(64, true)) * 512;
  const damaged = vmdk.slice();
  damaged.fill(0x55, overhead + 12, overhead + 40);
  await assert.rejects(ingestBytes(damaged), refusedWith('DECODE_FAILED', 'bad-compressed-data'));
});

test('a sparse VMDK whose grain table points into its own tables is refused', async () => {
  const vmdk = await convertRaw(raw, 'vmdk');
  const v = new DataView(vmdk.buffer, vmdk.byteOffset);
  const gd = Number(v.getBigUint64(56, true)) * 512;
  const gt = v.getUint32(gd, true) * 512;
  v.setUint32(gt, gd / 512, true);
  await assert.rejects(ingestBytes(vmdk), refusedWith('DECODE_FAILED', 'overlap'));
});

test('a VMDK descriptor alone, or a sparse VMDK naming a parent, is refused', async () => {
  await withTempDir(async (dir) => {
    const base = join(dir, 'base.vmdk');
    const child = join(dir, 'child.vmdk');
    await qemuImg(['create', '-f', 'vmdk', base, '4M']);
    await qemuImg(['create', '-f', 'vmdk', '-F', 'vmdk', '-b', base, child]);
    await assert.rejects(ingestBytes(await readFile(child)), refusedWith('UNSUPPORTED_FORMAT', 'parent'));
    const flat = join(dir, 'flat.vmdk');
    await qemuImg(['create', '-f', 'vmdk', '-o', 'subformat=monolithicFlat', flat, '4M']);
    await assert.rejects(ingestBytes(await readFile(flat)), refusedWith('UNSUPPORTED_FORMAT', 'external-extent'));
  });
});
