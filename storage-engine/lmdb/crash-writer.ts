/**
 * A writer process for the crash test: writes and commits versions (and deletes some) in a
 * loop until it is killed. Each step is announced on stdout, synchronously, before it starts
 * and after it is acknowledged:
 *   disk ID | committing VERSION BASE|null SEED | committed VERSION | deleting V | deleted V
 * Usage: crash-writer.ts DIR SEED DISK|new
 */
import { writeSync } from 'node:fs';
import { prng } from '../block-store.conformance.ts';
import { CRASH_DISK_SIZE, CRASH_TENANT, crashWrites } from './crash-workload.ts';
import { openLmdbBlockStore } from './lmdb-block-store.ts';

const [dir, seedArg, diskArg] = process.argv.slice(2);
if (dir === undefined || seedArg === undefined || diskArg === undefined) {
  throw new Error('usage: crash-writer.ts DIR SEED DISK|new');
}
const say = (line: string): void => {
  writeSync(1, line + '\n');
};

// Background maintenance runs often and chains are kept short, so kills also land in the
// middle of purges, flattening and collection.
const store = await openLmdbBlockStore({ path: dir, maxChainDepth: 2, maintenanceIntervalMs: 5 });
const disk = diskArg === 'new' ? (await store.createDisk(CRASH_TENANT)).id : diskArg;
say(`disk ${disk}`);
const rand = prng(Number(seedArg));
const committed: string[] = [];
for (let i = 0; ; i++) {
  const base = (await store.getDisk(CRASH_TENANT, disk)).head;
  const w = await store.openWriter(CRASH_TENANT, disk, { size: CRASH_DISK_SIZE });
  const seed = Math.floor(rand() * 2 ** 31);
  for (const { offset, data } of crashWrites(seed, CRASH_DISK_SIZE, store.blockSize)) await w.write(offset, data);
  say(`committing ${w.versionId} ${base ?? 'null'} ${seed}`);
  await w.commit();
  say(`committed ${w.versionId}`);
  committed.push(w.versionId);
  if (i % 3 === 2 && committed.length > 2) {
    const victim = committed.splice(Math.floor(rand() * (committed.length - 1)), 1)[0] ?? '';
    say(`deleting ${victim}`);
    await store.deleteVersion(CRASH_TENANT, victim);
    say(`deleted ${victim}`);
  }
}
