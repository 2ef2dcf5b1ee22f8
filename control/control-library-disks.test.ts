/**
 * Deployed VMs' disks in the image store, through the control plane, over a real store (LMDB in
 * a temporary directory), simulated hosts whose agents read and write it (ImageStoreImages), and
 * the ManualClock. Publishing gives each disk its own image, a clone of its library disk image;
 * the host reads that version's blocks; a snapshot on the host is a version on top of it; a
 * blueprint of the running, then the stopped, application saves each disk's current version
 * (SAVING then DONE); an application from the blueprint clones those; deleting an application
 * deletes its disks, and the store collects the blocks nothing else references.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hvxVmId } from '../actors/kinds/application/application-host-commands.ts';
import type { Blueprint, DiskImage } from '../domain/schemas/index.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { imageTenantOf } from '../domain/tenancy/image-tenant.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import type { DiskSpec, PreparedDisk } from '../hvx/hypervisor.ts';
import { ImageStoreImages } from '../hvx/agent/image-store-images.ts';
import { sendCommand } from '../hvx/host-provisioning.ts';
import { ControlHarness, operator } from './testing/control-harness.ts';
import { allVms, tenant } from './testing/deployment-helpers.ts';

/** The agents' images over the harness's store, remembering what each host read. */
class ReadingImages extends ImageStoreImages {
  readonly prepared: PreparedDisk[] = [];
  override async prepare(t: string, disk: DiskSpec): Promise<PreparedDisk> {
    const p = await super.prepare(t, disk);
    this.prepared.push(p);
    return p;
  }
}

let h: ControlHarness;
let a: { p: Principal; organizationId: number };
let store: string;
let reading: ReadingImages;

before(async () => {
  h = await ControlHarness.start({ images: true, deployment: true });
  reading = new ReadingImages(h.images!);
  h.sim.images = reading;
  await h.addHost('h1');
  a = await tenant(h, 'acme');
  store = imageTenantOf(a.organizationId);
});
after(() => h.close());

/** A block of `text` then zeros. */
const block = (text: string): Uint8Array => {
  const b = new Uint8Array(h.images!.blockSize);
  b.set(Buffer.from(text));
  return b;
};

/** Blocks 0..count-1 of a version, each as its text up to the first zero ('' for zeros). */
async function texts(version: string, count: number): Promise<string[]> {
  const out: string[] = [];
  for await (const b of h.images!.readBlocks(store, version, [{ first: 0, count }])) out.push(b.data === null ? '' : Buffer.from(b.data).toString('utf8').replace(/\0+$/, ''));
  return out;
}

/** A library disk image of 2 blocks: 'library' then zeros. */
async function libraryDisk(): Promise<DiskImage> {
  const made = await h.run(h.images!.create(store, { name: 'base.raw', purpose: 'image', virtualSize: 2 * h.images!.blockSize }));
  const w = await h.run(h.images!.openWriter(store, made.id));
  await h.run(w.writeBlocks([{ index: 0, data: block('library') }]));
  await h.run(w.commit());
  return h.run(h.control.registerDiskImage(operator, a.organizationId, made.id, 'base'));
}

async function savedBlueprint(applicationId: number, name: string): Promise<Blueprint> {
  const saving = await h.run(h.control.createBlueprint(a.p, { applicationId, blueprintName: name }));
  assert.equal(saving.loadingStatus, 'SAVING');
  let bp = saving;
  await h.tc.until(() => {
    void h.control.getBlueprint(a.p, saving.id).then((x) => (bp = x), () => undefined);
    return bp.loadingStatus !== 'SAVING';
  }, 30_000, 200);
  assert.equal(bp.loadingStatus, 'DONE');
  return bp;
}

/** The store version a blueprint saved its one disk as, and that version's parent. */
async function blueprintDisk(bp: Blueprint): Promise<{ version: string; parent: string | null }> {
  const id = bp.design.vms[0]?.hardDrives[0]?.baseDiskImageId;
  assert.ok(id !== undefined);
  const where = await h.run(h.control.locateDiskImage(a.p, id));
  const v = (await h.run(h.images!.listVersions(store, where.image))).find((x) => x.id === where.version);
  return { version: where.version, parent: v?.parent ?? null };
}

test("a published VM's disk is its own clone in the store, read by its host; snapshots, blueprints, clones and delete follow its versions", async () => {
  const base = await libraryDisk();
  const baseAt = (await h.run(h.control.locateDiskImage(a.p, base.id))).version;
  const vm = sampleVm(1, { hardDrives: [{ id: 101, type: 'DISK', size: { unit: 'MB', value: 1 }, boot: true, baseDiskImageId: base.id }] });
  const app = await h.run(h.control.createApplication(a.p, { name: 'web', design: { vms: [vm] } }));
  await h.run(h.control.publishApplication(a.p, app.id, {}));
  await allVms(h, a.p, app.id, 'STARTED');

  // Publish: the disk's own image, one version on top of the library image's.
  const own = (await h.run(h.images!.list(store))).filter((i) => i.name === `application-${a.organizationId}-${app.id}-disk-101`);
  assert.equal(own.length, 1, 'one image for the one disk');
  const disk = own[0]!;
  const [first] = await h.run(h.images!.listVersions(store, disk.id));
  assert.equal(first?.parent, baseAt, "a clone of the library image's version");
  const hv = h.sim.hosts.get('h1')!.hv;
  const vmId = hvxVmId(app.id, '100');
  assert.deepEqual(hv.get(vmId)?.spec.disks, [{ id: 'd101', image: disk.id, version: first.id }], 'the host is told that version');
  assert.equal(hv.get(vmId)?.spec.tenant, store);
  assert.deepEqual(reading.prepared.map((p) => [p.version, p.blocks]), [[first.id, 1]], 'the host read its one non-zero block from the store');

  // The guest writes; a snapshot on the host is a new version on top of the disk's.
  hv.write(vmId, 'd101', 1, block('guest'));
  await h.run(sendCommand(h.tc.bus, { id: 'test-snapshot-1', host: 'h1', issuedAt: h.tc.clock.now(), kind: 'snapshot', vmId }));
  let head = first.id;
  await h.tc.until(() => {
    void h.images!.get(store, disk.id).then((i) => (head = i.head ?? head));
    return head !== first.id;
  }, 30_000, 100);
  const snap = (await h.run(h.images!.listVersions(store, disk.id))).find((v) => v.id === head);
  assert.equal(snap?.parent, first.id);
  assert.deepEqual(await h.run(texts(head, 2)), ['library', 'guest']);

  // A blueprint of the running application snapshots the disk first (the VM runs on), then saves
  // that version, in constant time.
  const running = await savedBlueprint(app.id, 'running');
  const r = await blueprintDisk(running);
  const headNow = async (): Promise<string | null> => (await h.run(h.images!.get(store, disk.id))).head;
  const taken = await headNow();
  assert.notEqual(taken, head, 'a new snapshot of the running VM');
  assert.equal(r.parent, taken, 'saved from that snapshot');
  assert.deepEqual(await h.run(texts(r.version, 2)), ['library', 'guest']);
  assert.equal(h.sim.hosts.get('h1')!.hv.get(vmId)?.state, 'running', 'the VM kept running');

  // Stopped: the stop snapshotted the disk; the blueprint saves that version.
  await h.run(h.control.stopApplication(a.p, app.id));
  await allVms(h, a.p, app.id, 'STOPPED');
  const stopped = await savedBlueprint(app.id, 'stopped');
  const atStop = (await blueprintDisk(stopped)).parent;
  assert.equal(atStop, await headNow());
  assert.deepEqual(await h.run(texts(atStop!, 2)), ['library', 'guest']);

  // An application from the blueprint: its disk is a clone of the blueprint's snapshot, and its host reads it.
  const copy = await h.run(h.control.createApplication(a.p, { name: 'copy', baseBlueprintId: running.id }));
  await h.run(h.control.publishApplication(a.p, copy.id, {}));
  await allVms(h, a.p, copy.id, 'STARTED');
  const copyDisk = (await h.run(h.images!.list(store))).filter((i) => i.name === `application-${a.organizationId}-${copy.id}-disk-101`);
  assert.equal(copyDisk.length, 1, 'its disk was cloned once (at create), and publish used it');
  const copyVersion = copyDisk[0]!.head!;
  assert.equal((await h.run(h.images!.listVersions(store, copyDisk[0]!.id)))[0]?.parent, r.version);
  assert.deepEqual(h.sim.hosts.get('h1')!.hv.get(hvxVmId(copy.id, '100'))?.spec.disks, [{ id: 'd101', image: copyDisk[0]!.id, version: copyVersion }]);
  assert.deepEqual(reading.prepared.at(-1), { diskId: 'd101', version: copyVersion, blockSize: h.images!.blockSize, blocks: 2 }, "the copy's host read both blocks");

  // Delete: each application's disks go; the store then collects what nothing references.
  const before = await h.run(h.images!.usage(store));
  await h.run(h.control.deleteApplication(a.p, app.id));
  assert.deepEqual((await h.run(h.images!.list(store))).filter((i) => i.name.startsWith(`application-${a.organizationId}-${app.id}-`)), []);
  assert.deepEqual(await h.run(texts(r.version, 2)), ['library', 'guest'], "the blueprint keeps the deleted application's blocks");
  await h.run(h.control.deleteApplication(a.p, copy.id));
  await h.run(h.control.deleteBlueprint(a.p, running.id));
  await h.run(h.control.deleteBlueprint(a.p, stopped.id));
  await h.run(h.maintainStore());
  const afterAll = await h.run(h.images!.usage(store));
  assert.equal(afterAll.storedBlocks, 1, "only the library image's block is left");
  assert.ok(before.storedBlocks >= 2, `the guest's block was stored (${before.storedBlocks} blocks before)`);
});

test('a VM added by publishUpdates gets its own disk in the store; the deployed one keeps its own', async () => {
  const app = await h.run(h.control.createApplication(a.p, { name: 'grow', design: { vms: [sampleVm(1)] } }));
  await h.run(h.control.publishApplication(a.p, app.id, {}));
  await allVms(h, a.p, app.id, 'STARTED');
  const nameOf = (key: string): string => `application-${a.organizationId}-${app.id}-disk-${key}`;
  const ownImages = async (): Promise<Map<string, string>> => new Map((await h.run(h.images!.list(store))).filter((i) => i.name.startsWith(`application-${a.organizationId}-${app.id}-`)).map((i) => [i.name, i.id]));
  const before = await ownImages();
  assert.deepEqual([...before.keys()], [nameOf('101')], 'a disk without a base gets an empty image of its own');

  await h.run(h.control.updateApplication(a.p, app.id, { design: { vms: [sampleVm(1), sampleVm(2)] } }));
  await h.run(h.control.publishUpdates(a.p, app.id, {}));
  await allVms(h, a.p, app.id, 'STARTED');
  const after = await ownImages();
  assert.deepEqual([...after.keys()].sort(), [nameOf('101'), nameOf('201')]);
  assert.equal(after.get(nameOf('101')), before.get(nameOf('101')), 'the deployed disk is the same image');
  const hv = h.sim.hosts.get('h1')!.hv;
  assert.equal(hv.get(hvxVmId(app.id, '200'))?.spec.disks[0]?.image, after.get(nameOf('201')), "the added VM's host is told its image");
  await h.run(h.control.deleteApplication(a.p, app.id));
  assert.equal((await ownImages()).size, 0);
});
