/** importImageResumable: what is left when the caller's note of an import outlives its end (a crash in between). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunked, convertRaw, makeRaw } from '../formats/testing/fixtures.ts';
import { openLmdbBlockStore } from '../lmdb/lmdb-block-store.ts';
import { LocalImageService } from './local-image-service.ts';
import { importImageResumable, type ImportProgress } from './resumable-import.ts';

test('resuming an import that had finished answers its image and deletes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-resumable-import-'));
  const store = await openLmdbBlockStore({ path: join(dir, 'blocks'), maintenanceIntervalMs: 0 });
  const service = await LocalImageService.open({ store, catalogPath: join(dir, 'catalog') });
  try {
    const raw = makeRaw(1, 44);
    const image = await convertRaw(raw, 'qcow2');
    let started: { ingestId: string; disk: string } | undefined;
    const progress: ImportProgress = {
      reading: () => undefined,
      started: (ingestId, disk) => (started = { ingestId, disk }),
      saved: () => undefined,
    };
    const first = await importImageResumable(service, store, 't1', chunked(image, 64 * 1024), { name: 'q' }, progress);
    assert.ok(started !== undefined);
    assert.equal(first.id, started.disk);
    // The note still names the ingest, as if the process died before dropping it.
    async function* unread(): AsyncGenerator<Uint8Array> {
      yield await Promise.reject(new Error('the finished import read its upload again'));
    }
    const again = await importImageResumable(service, store, 't1', unread(), { name: 'q' }, { ...progress, resume: started });
    assert.deepEqual(again, first);
    const info = await service.get('t1', first.id);
    assert.equal(info.virtualSize, raw.length);
    assert.ok(info.head !== null);
    assert.ok(Buffer.from(await store.read('t1', info.head, 0, raw.length)).equals(raw));
  } finally {
    await service.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
