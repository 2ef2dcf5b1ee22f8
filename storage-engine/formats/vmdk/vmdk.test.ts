import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertDecodesTo,
  convertRaw,
  ingestBytes,
  makeMixed,
  makeRaw,
  qemuImg,
  refusedWith,
  sha256,
  withTempDir,
} from '../testing/fixtures.ts';
import { ingest } from '../../ingest/ingest.ts';
import { MemorySink } from '../../ingest/memory-sink.ts';

const raw = makeRaw(6, 21);

test('a monolithic sparse VMDK decodes bit-identical', async () => {
  const vmdk = await convertRaw(raw, 'vmdk');
  await assertDecodesTo(vmdk, raw, 'vmdk-sparse', [1 << 20, 4099, 333]);
});

test('a stream-optimized VMDK decodes bit-identical', async () => {
  const vmdk = await convertRaw(raw, 'vmdk', ['-o', 'subformat=streamOptimized']);
  await assertDecodesTo(vmdk, raw, 'vmdk-stream', [1 << 20, 4099, 333]);
});

/** Upload offsets of the grain markers of a qemu-img stream-optimized VMDK, in order. */
function grainMarkers(vmdk: Uint8Array): number[] {
  const v = new DataView(vmdk.buffer, vmdk.byteOffset, vmdk.byteLength);
  const out: number[] = [];
  for (let at = Number(v.getBigUint64(64, true)) * 512; at + 12 <= vmdk.length; ) {
    const size = v.getUint32(at + 8, true);
    if (size === 0) break;
    out.push(at);
    at = Math.ceil((at + 12 + size) / 512) * 512;
  }
  return out;
}

/** The image in pieces cut at `cuts` (ascending upload offsets). */
async function* cutAt(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > from) yield bytes.subarray(from, c);
    from = Math.max(from, c);
  }
}

test('qemu-img stream-optimized VMDKs of mixed content decode bit-identical at several sizes and chunkings', async () => {
  for (const mib of [16, 21, 40]) {
    const raw = makeMixed(mib, mib);
    const vmdk = await convertRaw(raw, 'vmdk', ['-o', 'subformat=streamOptimized']);
    await assertDecodesTo(vmdk, raw, 'vmdk-stream', [1 << 20, 65536 + 7, 4099]);
    // Cuts inside each grain marker's 12 bytes and just after them.
    const cuts = grainMarkers(vmdk).flatMap((at) => [at + 5, at + 15]);
    assert.ok(cuts.length > 2 * mib, `${mib} MiB: grains found`);
    const sink = new MemorySink();
    const r = await ingest(cutAt(vmdk, cuts), () => sink);
    assert.equal(r.kind === 'disk' ? r.disk.logicalSha256 : r.kind, sha256(raw));
    assert.ok(Buffer.from(await sink.contents()).equals(raw), `${mib} MiB cut inside markers decodes bit-identical`);
  }
});

test('a qemu-img stream-optimized VMDK cut at a grain boundary or inside its tables is refused as truncated', async () => {
  const vmdk = await convertRaw(makeMixed(16), 'vmdk', ['-o', 'subformat=streamOptimized']);
  const grains = grainMarkers(vmdk);
  for (const end of [grains[grains.length - 1], grains[20], grains[0], 27 * 512 + 100]) {
    assert.ok(end !== undefined);
    await assert.rejects(ingestBytes(vmdk.subarray(0, end)), refusedWith('DECODE_FAILED', 'truncated'), `cut at ${end}`);
  }
});

test('a stream-optimized VMDK whose directory is not ahead of its grains needs its end-of-stream marker', async () => {
  const raw = makeMixed(4);
  const vmdk = (await convertRaw(raw, 'vmdk', ['-o', 'subformat=streamOptimized'])).slice();
  new DataView(vmdk.buffer, vmdk.byteOffset).setBigUint64(56, 0xffffffffffffffffn, true);
  await assert.rejects(ingestBytes(vmdk), refusedWith('DECODE_FAILED', 'truncated'));
  const withEos = new Uint8Array(vmdk.length + 512);
  withEos.set(vmdk);
  await assertDecodesTo(withEos, raw, 'vmdk-stream', [1 << 20, 333]);
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
