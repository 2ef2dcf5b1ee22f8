import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { isRavelError } from '../../core/errors.ts';
import { openLmdbBlockStore } from '../lmdb/lmdb-block-store.ts';
import { chunked, convertRaw, makeRaw, sha256 } from '../formats/testing/fixtures.ts';
import { buildOva, buildOvf } from '../formats/testing/ova-builder.ts';
import { collectBlocks } from './image-service.conformance.ts';
import { importImage, importOva } from './image-import.ts';
import { LocalImageService } from './local-image-service.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('importOva', () => {
  it('makes an image per OVF disk and the library VM description; a refused OVA leaves no image', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ravel-ova-import-'));
    const clock = new ManualClock();
    const store = await openLmdbBlockStore({ path: join(dir, 'blocks'), clock, maintenanceIntervalMs: 0 });
    const service = new LocalImageService({ store, catalogPath: join(dir, 'catalog'), clock });
    try {
      const disk1 = makeRaw(2, 81);
      const disk2 = makeRaw(1, 82);
      const ovf = buildOvf(
        'db-1',
        4,
        2048,
        [
          { id: 'boot', href: 'db-1-boot.vmdk', capacity: disk1.length },
          { id: 'data', href: 'db-1-data.vmdk', capacity: disk2.length },
        ],
        ['frontend'],
      );
      const members = [
        { name: 'db-1.ovf', data: text(ovf) },
        { name: 'db-1-boot.vmdk', data: await convertRaw(disk1, 'vmdk', ['-o', 'subformat=streamOptimized']) },
        { name: 'db-1-data.vmdk', data: await convertRaw(disk2, 'vmdk', ['-o', 'subformat=streamOptimized']) },
      ];
      const ova = await buildOva(members);
      const got = await importOva(service, store, 'org', chunked(ova, 70_001), { name: 'db-1.ova' });
      assert.equal(got.uploadSha256, sha256(ova));
      assert.equal(got.vm.name, 'db-1');
      assert.equal(got.vm.cpus, 4);
      assert.equal(got.vm.memoryBytes, 2048 * 1024 * 1024);
      assert.equal(got.vm.nics.length, 1);
      assert.deepEqual(got.vm.disks.map((d) => [d.diskId, d.capacity, d.image.format, d.image.virtualSize, d.image.sha256]), [
        ['boot', disk1.length, 'vmdk-stream', disk1.length, sha256(disk1)],
        ['data', disk2.length, 'vmdk-stream', disk2.length, sha256(disk2)],
      ]);
      for (const [d, raw] of [[got.vm.disks[0], disk1], [got.vm.disks[1], disk2]] as const) {
        const count = Math.ceil(raw.length / service.blockSize);
        const blocks = await collectBlocks(service.readBlocks('org', d?.image.head ?? '', [{ first: 0, count }]));
        assert.ok(Buffer.concat(blocks.map((b) => b.data ?? Buffer.alloc(service.blockSize))).equals(raw));
      }
      assert.deepEqual((await service.list('org')).map((i) => i.id).sort(), got.vm.disks.map((d) => d.image.id).sort());

      // Refused after its first disk was decoded (the second member is cut): nothing is left.
      await assert.rejects(importOva(service, store, 'other', chunked(ova.subarray(0, ova.length - 5000), 65536), { name: 'cut' }), (e) =>
        isRavelError(e, 'DECODE_FAILED'),
      );
      assert.deepEqual(await service.list('other'), []);
      assert.deepEqual(await store.listDisks('other'), []);
      // An OVA is not one image, and a single disk is not an OVA.
      await assert.rejects(importImage(service, store, 'other', chunked(ova, 65536), { name: 'x' }), (e) =>
        isRavelError(e, 'UNSUPPORTED_FORMAT'),
      );
      await assert.rejects(importOva(service, store, 'other', chunked(disk2, 65536), { name: 'x' }), (e) =>
        isRavelError(e, 'UNSUPPORTED_FORMAT'),
      );
      assert.deepEqual(await store.listDisks('other'), []);
    } finally {
      await service.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
