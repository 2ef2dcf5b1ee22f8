/**
 * The agent's disks through a real image store, as the control plane names them: a VM spec made
 * by vmSpecOf for an organization reads its disk's blocks under the same tenant the library and
 * uploads store them under (the store's `N`, once `org-N` on the host side: every read was
 * NOT_FOUND), and a snapshot becomes a new version on top of the disk's version.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { vmSpecOf } from '../../actors/kinds/application/application-host-commands.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import { imageTenantOf } from '../../domain/tenancy/image-tenant.ts';
import { openLmdbBlockStore, type LmdbBlockStore } from '../../storage-engine/lmdb/lmdb-block-store.ts';
import { LocalImageService } from '../../storage-engine/image-service/local-image-service.ts';
import { ImageStoreImages } from './image-store-images.ts';

let dir: string;
let blocks: LmdbBlockStore;
let service: LocalImageService;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ravel-agent-images-'));
  const clock = new ManualClock();
  blocks = await openLmdbBlockStore({ path: join(dir, 'blocks'), clock, maintenanceIntervalMs: 0 });
  service = new LocalImageService({ store: blocks, catalogPath: join(dir, 'catalog'), clock });
});
after(async () => {
  await service.close();
  await blocks.close();
  rmSync(dir, { recursive: true, force: true });
});

const filled = (byte: number): Uint8Array => new Uint8Array(service.blockSize).fill(byte);

test("a VM spec's disk is read under the organization's store tenant, and its snapshot sits on the disk's version", async () => {
  const organizationId = 7;
  const tenant = imageTenantOf(organizationId);
  // A library image of 3 blocks, 2 holding data, then the VM's own disk cloned from it (as publish does).
  const library = await service.create(tenant, { name: 'library', purpose: 'image', virtualSize: 3 * service.blockSize });
  const w = await service.openWriter(tenant, library.id);
  await w.writeBlocks([{ index: 0, data: filled(1) }, { index: 2, data: filled(2) }]);
  const libraryVersion = await w.commit();
  const disk = await service.clone(tenant, libraryVersion.id, { name: 'application-7-3-disk-101' });
  assert.ok(disk.head !== null);

  const vm = { ...sampleVm(1), state: 'STOPPED' as const, hostId: 'h1' };
  const spec = vmSpecOf(organizationId, 3, vm, { '101': { image: disk.id, version: disk.head } });
  assert.equal(spec.tenant, tenant, 'the host is told the tenant the store knows');
  const [specDisk] = spec.disks;
  assert.deepEqual(specDisk, { id: 'd101', image: disk.id, version: disk.head });

  const images = new ImageStoreImages(service);
  const prepared = await images.prepare(spec.tenant, specDisk);
  assert.deepEqual(prepared, { diskId: 'd101', version: disk.head, blockSize: service.blockSize, blocks: 2 });

  const snap = await images.writeSnapshot(spec.tenant, { diskId: 'd101', image: disk.id, baseVersion: disk.head, blockSize: service.blockSize, blocks: [{ index: 1, data: filled(9) }] });
  const versions = await service.listVersions(tenant, disk.id);
  assert.deepEqual(versions.map((v) => [v.id, v.parent]).at(-1), [snap, disk.head], 'the snapshot is a new version on top of the disk');
  assert.equal((await service.get(tenant, disk.id)).head, snap, "and the disk's head");
  const read = [];
  for await (const b of service.readBlocks(tenant, snap, [{ first: 0, count: 3 }])) read.push(b.data?.[0] ?? 0);
  assert.deepEqual(read, [1, 9, 2], "the library's blocks with the snapshot's change");
  const untouched = [];
  for await (const b of service.readBlocks(tenant, libraryVersion.id, [{ first: 0, count: 3 }])) untouched.push(b.data?.[0] ?? 0);
  assert.deepEqual(untouched, [1, 0, 2], 'the library image is unchanged');
});
