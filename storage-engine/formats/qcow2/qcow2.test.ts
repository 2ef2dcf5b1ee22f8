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
import { layout, moveTablesToEnd } from './qcow2-edit.ts';

const raw = makeRaw(6, 31);

test('qcow2 version 3 decodes bit-identical', async () => {
  await assertDecodesTo(await convertRaw(raw, 'qcow2'), raw, 'qcow2', [1 << 20, 4099, 333]);
});

test('qcow2 version 2 (compat=0.10) decodes bit-identical', async () => {
  await assertDecodesTo(await convertRaw(raw, 'qcow2', ['-o', 'compat=0.10']), raw, 'qcow2');
});

test('compressed qcow2 (v3 and v2, small clusters) decodes bit-identical', async () => {
  await assertDecodesTo(await convertRaw(raw, 'qcow2', ['-c']), raw, 'qcow2', [1 << 20, 4099, 333]);
  await assertDecodesTo(await convertRaw(raw, 'qcow2', ['-c', '-o', 'compat=0.10,cluster_size=4096']), raw, 'qcow2');
});

test('qcow2 whose tables come after the data stages the data and releases it', async () => {
  for (const extra of [[], ['-c']]) {
    const img = moveTablesToEnd(await convertRaw(raw, 'qcow2', extra));
    const sink = await assertDecodesTo(img, raw, 'qcow2', [65536, 4099]);
    assert.ok(sink.peakStagedBytes > raw.length / 4, `data was staged (${sink.peakStagedBytes} bytes at peak)`);
    const got = await ingestBytes(img);
    assert.ok(got.result.kind === 'disk' && got.result.disk.hashPass === false, 'staged data still arrives in logical order');
  }
});

test('qcow2 with a backing file, an external data file or encryption is refused', async () => {
  await withTempDir(async (dir) => {
    const base = join(dir, 'base.qcow2');
    await qemuImg(['create', '-f', 'qcow2', base, '4M']);
    await qemuImg(['create', '-f', 'qcow2', '-F', 'qcow2', '-b', base, join(dir, 'child.qcow2')]);
    await assert.rejects(ingestBytes(await readFile(join(dir, 'child.qcow2'))), refusedWith('UNSUPPORTED_FORMAT', 'backing-file'));
    await qemuImg(['create', '-f', 'qcow2', '-o', `data_file=${join(dir, 'data.raw')}`, join(dir, 'ext.qcow2'), '4M']);
    await assert.rejects(ingestBytes(await readFile(join(dir, 'ext.qcow2'))), refusedWith('UNSUPPORTED_FORMAT', 'external-data-file'));
    const enc = join(dir, 'enc.qcow2');
    const luks = ['create', '--object', 'secret,id=sec0,data=ravel', '-f', 'qcow2', '-o', 'encrypt.format=luks,encrypt.key-secret=sec0', enc, '4M'];
    // qemu times PBKDF2 with getrusage, which now and then fails on a loaded machine.
    for (let attempt = 1; ; attempt++) {
      try {
        await qemuImg(luks);
        break;
      } catch (e) {
        if (attempt === 5) throw e;
      }
    }
    await assert.rejects(ingestBytes(await readFile(enc)), refusedWith('UNSUPPORTED_FORMAT', 'encryption'));
  });
});

test('qcow2 with zstd compression is refused with a clear error', async () => {
  const img = await convertRaw(raw.subarray(0, 1 << 20), 'qcow2');
  const v = new DataView(img.buffer, img.byteOffset);
  v.setBigUint64(72, v.getBigUint64(72) | 8n);
  img[104] = 1;
  await assert.rejects(ingestBytes(img), refusedWith('UNSUPPORTED_FORMAT', 'zstd'));
});

test('qcow2 with corrupt tables is refused: outside the file, misaligned, overlapping, truncated', async () => {
  const good = await convertRaw(raw, 'qcow2');
  const edit = (f: (l: ReturnType<typeof layout>) => void): Uint8Array => {
    const img = good.slice();
    f(layout(img));
    return img;
  };
  const l1Entry = (l: ReturnType<typeof layout>, i: number, at: number): void => l.view.setBigUint64(l.l1Offset + i * 8, BigInt(at) | (1n << 63n));
  const outside = edit((l) => l1Entry(l, 0, good.length + 1024 * l.clusterSize));
  await assert.rejects(ingestBytes(outside), refusedWith('DECODE_FAILED', 'truncated'));
  const misaligned = edit((l) => l1Entry(l, 0, (l.l2[0] ?? 0) + 512));
  await assert.rejects(ingestBytes(misaligned), refusedWith('DECODE_FAILED', 'misaligned'));
  const intoL1 = edit((l) => l.view.setBigUint64(l.l2[0] ?? 0, BigInt(l.l1Offset) | (1n << 63n)));
  await assert.rejects(ingestBytes(intoL1), refusedWith('DECODE_FAILED', 'overlap'));
  const twice = edit((l) => l.view.setBigUint64((l.l2[0] ?? 0) + 8, l.view.getBigUint64(l.l2[0] ?? 0)));
  await assert.rejects(ingestBytes(twice), refusedWith('DECODE_FAILED', 'overlap'));
  await assert.rejects(ingestBytes(good.subarray(0, good.length - 100_000)), refusedWith('DECODE_FAILED', 'truncated'));
  const tooBig = edit((l) => l.view.setBigUint64(24, 1n << 50n));
  await assert.rejects(ingestBytes(tooBig), refusedWith('PAYLOAD_TOO_LARGE', 'virtual-size'));
});
