import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { openLmdbBlockStore } from '../lmdb/lmdb-block-store.ts';
import { collectBlocks, rejectsWith } from './image-service.conformance.ts';
import { importImage } from './image-import.ts';
import { LocalImageService } from './local-image-service.ts';

async function* chunks(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('importImage', () => {
  it('imports a raw upload that reads back bit-identical, with its format, size and SHA-256; a refused one leaves nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ravel-import-'));
    const clock = new ManualClock();
    const store = await openLmdbBlockStore({ path: join(dir, 'blocks'), clock, maintenanceIntervalMs: 0 });
    const service = new LocalImageService({ store, catalogPath: join(dir, 'catalog'), clock });
    try {
      const bs = store.blockSize;
      const disk = Buffer.concat([randomBytes(bs * 2), Buffer.alloc(bs * 3), randomBytes(bs)]);
      const img = await importImage(service, store, 'org', chunks(disk, 10_000), { name: 'upload.img' });
      assert.equal(img.format, 'raw');
      assert.equal(img.virtualSize, disk.length);
      assert.equal(img.sha256, createHash('sha256').update(disk).digest('hex'));
      assert.equal(img.storedSize, bs * 3, 'three non-zero blocks stored, zeros not');
      const blocks = await collectBlocks(service.readBlocks('org', img.head ?? '', [{ first: 0, count: 6 }]));
      assert.deepEqual(Buffer.concat(blocks.map((b) => b.data ?? Buffer.alloc(bs))), disk);

      await rejectsWith(
        importImage(service, store, 'org', chunks(disk, 10_000), { name: 'too big', limits: { maxVirtualSize: bs } }),
        'PAYLOAD_TOO_LARGE',
      );
      assert.deepEqual((await service.list('org')).map((i) => i.id), [img.id]);
    } finally {
      await service.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
