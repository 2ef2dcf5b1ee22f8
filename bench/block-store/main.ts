/**
 * The block store against raw LMDB on this machine, per block size, and the figures that
 * chose the block size (64 KiB; see DEFAULT_BLOCK_SIZE). Run: npm run bench -- block-store [--quick]
 * Prints each figure beside its raw-LMDB baseline and writes bench/results/block-store.json.
 * KIBS=64,256 narrows the block sizes measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BenchReport, parseBenchArgs } from '../lib/report.ts';
import { measureLmdb } from '../lib/baselines/lmdb.ts';
import { openLmdbBlockStore, type LmdbBlockStore } from '../../storage-engine/lmdb/lmdb-block-store.ts';
import { fullVersion } from './full-version.ts';

const { quick } = parseBenchArgs(process.argv.slice(2));
const report = new BenchReport('block-store', { quick });
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const total = (quick ? 256 : 1024) * MiB;

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function withStore<T>(blockSize: number, fn: (s: LmdbBlockStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-bench-blocks-'));
  const store = await openLmdbBlockStore({ path: dir, blockSize, maintenanceIntervalMs: 0 });
  try {
    return await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Thirds of random, repeated and zero blocks, interleaved, as a real disk image roughly is. */
function mixedBlocks(blockSize: number, count: number): Buffer[] {
  const random = randomBytes(Math.ceil(count / 3) * blockSize);
  const repeated = randomBytes(blockSize);
  const zero = Buffer.alloc(blockSize);
  return Array.from({ length: count }, (_, i) =>
    i % 3 === 0 ? random.subarray((i / 3) * blockSize, (i / 3 + 1) * blockSize) : i % 3 === 1 ? repeated : zero,
  );
}

console.log(`block-store${quick ? ' (quick)' : ''}: ${total / MiB} MiB per figure`);
for (const kib of (process.env['KIBS'] ?? '64,256,1024').split(',').map(Number)) {
  const bs = kib * 1024;
  const raw = await measureLmdb(total, bs);
  report.figure(`raw lmdb ${kib} KiB put`, raw.putMBps, 'MB/s');
  report.figure(`raw lmdb ${kib} KiB get`, raw.getMBps, 'MB/s');
  await withStore(bs, async (s) => {
    const count = total / bs;
    const blocks = mixedBlocks(bs, count);
    const disk = await s.createDisk('b');
    const w = await s.openWriter('b', disk.id, { size: total });
    let start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await w.write(i * bs, blocks[i] ?? Buffer.alloc(0));
    const v = await w.commit();
    report.figure(`store ${kib} KiB write, mixed content`, total / 1e6 / seconds(start), 'MB/s', `raw lmdb ${kib} KiB put`);
    start = process.hrtime.bigint();
    for (let off = 0; off < total; off += 8 * MiB) await s.read('b', v.id, off, 8 * MiB);
    report.figure(`store ${kib} KiB read, hash-checked`, total / 1e6 / seconds(start), 'MB/s', `raw lmdb ${kib} KiB get`);

    // Copy-on-write cost: 1000 scattered 4 KiB guest writes into a snapshot of a 1 GiB disk.
    const before = (await s.usage('b')).storedBytes;
    const snap = await s.openWriter('b', disk.id, { size: Math.max(total, GiB) });
    for (let i = 0; i < 1000; i++) await snap.write(Math.floor(Math.random() * (GiB / 4096)) * 4096, randomBytes(4096));
    await snap.commit();
    const delta = (await s.usage('b')).storedBytes - before;
    report.figure(`store ${kib} KiB: stored bytes per 4 KiB scattered write`, delta / 1000, 'bytes');
  });
  await withStore(bs, async (s) => {
    await fullVersion(s, 'b', GiB);
    const st = s.tables.maps.getStats() as { treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number; pageSize: number };
    const pages = st.treeBranchPageCount + st.treeLeafPageCount + st.overflowPages;
    report.figure(`store ${kib} KiB: block map per GiB of disk`, (pages * st.pageSize) / 1024, 'KiB');
  });
}

await withStore(64 * 1024, async (s) => {
  for (const gib of [1, 16]) {
    const v = await fullVersion(s, 'b', gib * GiB);
    const start = process.hrtime.bigint();
    const n = 50;
    for (let i = 0; i < n; i++) await s.snapshot('b', v);
    report.figure(`snapshot of a ${gib} GiB full map (64 KiB blocks)`, (seconds(start) / n) * 1000, 'ms');
  }
});
report.write();
