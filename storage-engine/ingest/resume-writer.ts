/**
 * A process for the kill -9 test of resumable ingest (resume-restart.test.ts): starts an ingest
 * of an image file into a new disk, or resumes one, checkpointing often, until it is killed or
 * done. It announces on stdout, synchronously: `started ID`, `saved OFFSET` after each durable
 * checkpoint, `done VERSION`.
 * Usage: resume-writer.ts DIR IMAGE TENANT new|INGEST_ID
 */
import { createReadStream, writeSync } from 'node:fs';
import { openLmdbBlockStore } from '../lmdb/lmdb-block-store.ts';
import { ingestResumable } from './resumable-ingest.ts';

const [dir, image, tenant, which] = process.argv.slice(2);
if (dir === undefined || image === undefined || tenant === undefined || which === undefined) {
  throw new Error('usage: resume-writer.ts DIR IMAGE TENANT new|INGEST_ID');
}
const say = (line: string): void => void writeSync(1, line + '\n');
const store = await openLmdbBlockStore({ path: dir, maintenanceIntervalMs: 5 });
const target = which === 'new' ? { disk: (await store.createDisk(tenant)).id } : { ingestId: which };
const { version } = await ingestResumable(
  store,
  tenant,
  target,
  (from) => createReadStream(image, { start: from, highWaterMark: 16 * 1024 }),
  {
    checkpointEveryBytes: 64 * 1024,
    onStarted: (id) => say(`started ${id}`),
    onSaved: (cp) => say(`saved ${cp.uploadOffset}`),
  },
);
say(`done ${version.id}`);
await store.close();
