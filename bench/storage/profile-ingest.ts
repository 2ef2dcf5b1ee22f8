/**
 * Raw ingest alone, for profiling (`node --cpu-prof --import tsx bench/storage/profile-ingest.ts
 * [MiB]`): the benchmark's mixed image into a fresh store through importImage, printing MB/s
 * of logical bytes beside raw LMDB puts of as many bytes, measured in the same run.
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbBlockStore } from '../../storage-engine/lmdb/lmdb-block-store.ts';
import { LocalImageService } from '../../storage-engine/image-service/local-image-service.ts';
import { importImage } from '../../storage-engine/image-service/image-import.ts';
import { measureLmdb } from '../lib/baselines/lmdb.ts';
import { writeMixedImage } from './mixed-image.ts';

const MiB = 1024 * 1024;
const bytes = Number(process.argv[2] ?? 256) * MiB;
const work = mkdtempSync(join(tmpdir(), 'ravel-profile-ingest-'));
try {
  const raw = join(work, 'disk.raw');
  await writeMixedImage(raw, bytes);
  const store = await openLmdbBlockStore({ path: join(work, 'blocks'), maintenanceIntervalMs: 0 });
  const service = new LocalImageService({ store, catalogPath: join(work, 'catalog') });
  for (let round = 0; round < 2; round++) {
    const lmdb = await measureLmdb(bytes);
    const t0 = performance.now();
    await importImage(service, store, `t${round}`, createReadStream(raw, { highWaterMark: MiB }), { name: 'raw' });
    const ingestMBps = bytes / 1e3 / (performance.now() - t0);
    console.log(`round ${round}: ingest ${ingestMBps.toFixed(0)} MB/s, lmdb puts ${lmdb.putMBps.toFixed(0)} MB/s, ratio ${(ingestMBps / lmdb.putMBps).toFixed(2)}`);
  }
  await service.close();
  await store.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
