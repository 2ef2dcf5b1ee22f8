/**
 * A crash between the block store's commit of an image's disk and the catalog's write. Both
 * are durable when their calls resolve, so a process killed in between leaves exactly this on
 * disk: a committed disk that no catalog record names. The test makes that state with the
 * public calls (ingest into a sink, commit, no record), "restarts" by reopening both stores,
 * and checks what a restarted node sees. The block store's own kill -9 tests are in lmdb/.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { openLmdbBlockStore } from '../lmdb/lmdb-block-store.ts';
import { BlockStoreSink } from '../ingest/block-store-sink.ts';
import { ingest } from '../ingest/ingest.ts';
import { chunked, makeRaw } from '../formats/testing/fixtures.ts';
import { importImage } from './image-import.ts';
import { LocalImageService } from './local-image-service.ts';

describe('catalog recovery', () => {
  it('after a crash between the block commit and the catalog write: no half image, the disk deleted, its blocks collected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ravel-catalog-recovery-'));
    const clock = new ManualClock();
    const paths = { blocks: join(dir, 'blocks'), catalog: join(dir, 'catalog') };
    try {
      let store = await openLmdbBlockStore({ path: paths.blocks, clock, maintenanceIntervalMs: 0 });
      let service = new LocalImageService({ store, catalogPath: paths.catalog, clock });
      const kept = await importImage(service, store, 'org', chunked(makeRaw(1, 91), 65536), { name: 'kept' });
      const keptUsage = await store.usage('org');
      // The import of a second image gets as far as the block store's commit...
      const disk = await store.createDisk('org', { purpose: 'image' });
      const sink = await BlockStoreSink.open(store, 'org', disk.id);
      await ingest(chunked(makeRaw(2, 92), 65536), () => sink);
      await sink.finish();
      // ...and a deleted image's record outlives its disk (a delete cut short the other way).
      const gone = await importImage(service, store, 'org', chunked(makeRaw(1, 93), 65536), { name: 'gone' });
      await store.deleteDisk('org', gone.id);
      assert.ok((await store.usage('org')).storedBlocks > keptUsage.storedBlocks, 'the orphan holds blocks');
      // The crash: nothing more is written; both stores are reopened.
      await service.close();
      await store.close();

      store = await openLmdbBlockStore({ path: paths.blocks, clock, maintenanceIntervalMs: 0 });
      service = await LocalImageService.open({ store, catalogPath: paths.catalog, clock });
      try {
        assert.deepEqual((await service.list('org')).map((i) => i.id), [kept.id], 'only the whole image is visible');
        assert.deepEqual((await store.listDisks('org')).map((d) => d.id), [kept.id], 'the orphan disk is deleted');
        const report = await store.maintain();
        assert.ok(report.collectedBlocks > 0, 'the orphan blocks are collected');
        assert.equal((await store.usage('org')).storedBlocks, keptUsage.storedBlocks);
        assert.equal((await service.get('org', kept.id)).sha256, kept.sha256);
        assert.deepEqual(await service.recover(), { orphanDisks: 0, staleRecords: 0 }, 'a second pass finds nothing');
      } finally {
        await service.close();
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
