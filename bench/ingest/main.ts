/**
 * Decode throughput of each ingest format into the in-memory sink, on one image of 256 MiB
 * (32 MiB with --quick) made by qemu-img from the same raw disk, beside plain SHA-256 of the
 * same bytes in the same run. Ingest hashes the upload and the logical disk too, so the ratio
 * to one SHA-256 pass shows what the decoding itself costs.
 */
import { createHash } from 'node:crypto';
import { BenchReport } from '../lib/report.ts';
import { chunked, convertRaw, makeRaw } from '../../storage-engine/formats/testing/fixtures.ts';
import { ingest } from '../../storage-engine/ingest/ingest.ts';
import { MemorySink } from '../../storage-engine/ingest/memory-sink.ts';

const quick = process.argv.includes('--quick');
const mib = quick ? 32 : 256;
const MB = 1e6;
const report = new BenchReport('ingest', { mib, chunk: '1 MiB' });

const raw = makeRaw(mib, 5);
const images: Array<[string, Uint8Array]> = [
  ['raw', raw],
  ['qcow2', await convertRaw(raw, 'qcow2')],
  ['qcow2 compressed', await convertRaw(raw, 'qcow2', ['-c'])],
  ['vmdk sparse', await convertRaw(raw, 'vmdk')],
  ['vmdk stream-optimized', await convertRaw(raw, 'vmdk', ['-o', 'subformat=streamOptimized'])],
  ['vhd dynamic', await convertRaw(raw, 'vpc', ['-o', 'subformat=dynamic,force_size=on'])],
  ['vhd fixed', await convertRaw(raw, 'vpc', ['-o', 'subformat=fixed,force_size=on'])],
  ['vhdx', await convertRaw(raw, 'vhdx')],
];

function best(times: number[]): number {
  return Math.min(...times);
}

async function timed(fn: () => Promise<void> | void, runs = 3): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.();
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
  }
  return best(times);
}

console.log(`ingest decode throughput, ${mib} MiB logical disk, 1 MiB chunks, best of 3`);
const rawHash = await timed(() => void createHash('sha256').update(raw).digest());
report.figure('baseline: SHA-256 of the raw disk', raw.length / MB / rawHash, 'MB/s');
for (const [name, image] of images) {
  const sha = await timed(() => void createHash('sha256').update(image).digest());
  report.figure(`baseline: SHA-256 of the ${name} image`, image.length / MB / sha, 'MB/s');
  const secs = await timed(async () => {
    await ingest(chunked(image, 1024 * 1024), () => new MemorySink());
  });
  report.figure(`${name}: upload decoded (${(image.length / 2 ** 20).toFixed(0)} MiB)`, image.length / MB / secs, 'MB/s', `baseline: SHA-256 of the ${name} image`);
  report.figure(`${name}: logical disk produced`, raw.length / MB / secs, 'MB/s', 'baseline: SHA-256 of the raw disk');
}
report.write();
