/**
 * The library through the control plane, over a real image store (LMDB in a temporary
 * directory) and the ManualClock: disk images registered from the store, renamed, annotated and
 * deleted; a blueprint saved SAVING then DONE with every disk cloned, also across a restart;
 * an application made from it with its disks cloned again; a VM saved as a library VM; another
 * tenant's objects answer NOT_FOUND and stay as they were; bad input changes nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Blueprint, DiskImage, LibraryImage } from '../domain/schemas/index.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import { ControlHarness, code, operator } from './testing/control-harness.ts';
import { tenant } from './testing/deployment-helpers.ts';
import { DEMO_ADMIN_EMAIL, DEMO_IMAGES, ensureDemoOrganization } from '../service/demo-organization.ts';

let h: ControlHarness;
let a: { p: Principal; organizationId: number };
let b: { p: Principal; organizationId: number };
const BLOCK_BYTES = 'library test block';

before(async () => {
  h = await ControlHarness.start({ images: true });
  a = await tenant(h, 'acme');
  b = await tenant(h, 'rival');
});
after(() => h.close());

/** A store image of tenant `org` with one non-zero block, registered as a disk image. */
async function uploaded(org: number, name: string): Promise<DiskImage> {
  const images = h.images!;
  const made = await h.run(images.create(String(org), { name, purpose: 'image', virtualSize: 4 * 1024 * 1024 }));
  const { blockSize } = await images.info();
  const w = await h.run(images.openWriter(String(org), made.id));
  const data = new Uint8Array(blockSize);
  data.set(Buffer.from(BLOCK_BYTES));
  await h.run(w.writeBlocks([{ index: 0, data }]));
  await h.run(w.commit());
  return h.run(h.control.registerDiskImage(operator, org, made.id, name));
}

/** The first block of a store image's head, as text up to its first zero byte. */
async function firstBlock(tenantId: number, image: string): Promise<string> {
  const images = h.images!;
  const info = await h.run(images.get(String(tenantId), image));
  for await (const blk of images.readBlocks(String(tenantId), info.head!, [{ first: 0, count: 1 }])) {
    return blk.data === null ? '' : Buffer.from(blk.data).toString('utf8').replace(/\0+$/, '');
  }
  return '';
}

async function until<T>(read: () => Promise<T>, ok: (x: T) => boolean): Promise<T> {
  let last: T | undefined;
  let reading = false;
  await h.tc.until(() => {
    if (!reading) {
      reading = true;
      void read().then((x) => ((last = x), (reading = false)), () => (reading = false));
    }
    return last !== undefined && ok(last);
  }, 60_000, 50);
  return last!;
}

const doneBlueprint = (p: Principal, id: number): Promise<Blueprint> => until(() => h.control.getBlueprint(p, id), (x) => x.loadingStatus !== 'SAVING');
const doneImage = (p: Principal, id: number): Promise<LibraryImage> => until(() => h.control.getImage(p, id), (x) => x.loadingStatus !== 'SAVING');

test('disk images: registered from the store, listed per tenant, renamed, annotated, deleted with their store image', async () => {
  const d = await uploaded(a.organizationId, 'ubuntu.qcow2');
  assert.equal(d.name, 'ubuntu.qcow2');
  assert.equal(d.loadingStatus, 'DONE');
  assert.equal(d.virtualSize, 4 * 1024 * 1024);
  assert.deepEqual(d.size, { unit: 'MB', value: 4 });
  assert.equal('store' in d, false, 'where it is stored stays inside');
  const again = await h.run(h.control.registerDiskImage(operator, a.organizationId, (await h.run(h.control.locateDiskImage(a.p, d.id))).image));
  assert.equal(again.id, d.id, 'registering the same store image again answers the same disk image');

  assert.deepEqual((await h.run(h.control.listDiskImages(a.p))).map((x) => x.id), [d.id]);
  assert.deepEqual(await h.run(h.control.listDiskImages(b.p)), [], 'another tenant sees none');

  const renamed = await h.run(h.control.updateDiskImage(a.p, d.id, { name: 'ubuntu 24.04', description: 'LTS' }));
  assert.equal(renamed.name, 'ubuntu 24.04');
  assert.equal(renamed.description, 'LTS');
  await h.run(h.control.setDocumentation(a.p, 'diskImage', d.id, { content: '# root password is in the vault' }));
  assert.equal((await h.run(h.control.getDocumentation(a.p, 'diskImage', d.id))).content, '# root password is in the vault');

  const temp = await uploaded(a.organizationId, 'scratch.raw');
  const where = await h.run(h.control.locateDiskImage(a.p, temp.id));
  await h.run(h.control.deleteDiskImage(a.p, temp.id));
  await assert.rejects(h.run(h.control.getDiskImage(a.p, temp.id)), code('NOT_FOUND'));
  await assert.rejects(h.run(h.images!.get(String(a.organizationId), where.image)), code('NOT_FOUND'), 'its store image is gone');
});

test("another tenant's disk images, images and blueprints are NOT_FOUND for every call, and stay as they were", async () => {
  const d = await uploaded(a.organizationId, 'private.vmdk');
  const image = await h.run(h.control.addLibraryImage(operator, a.organizationId, { name: 'web', numCpus: 1, memorySize: { unit: 'GB', value: 1 }, hardDrives: [], networkConnections: [] }));
  const app = await h.run(h.control.createApplication(a.p, { name: 'secret', design: { vms: [sampleVm(1)] } }));
  const bp = await doneBlueprint(a.p, (await h.run(h.control.createBlueprint(a.p, { applicationId: app.id, blueprintName: 'bp' }))).id);
  const before = { d: await h.run(h.control.getDiskImage(a.p, d.id)), image: await h.run(h.control.getImage(a.p, image.id)), bp: await h.run(h.control.getBlueprint(a.p, bp.id)) };

  const calls: Array<[string, () => Promise<unknown>]> = [
    ['getDiskImage', () => h.control.getDiskImage(b.p, d.id)],
    ['locateDiskImage', () => h.control.locateDiskImage(b.p, d.id)],
    ['updateDiskImage', () => h.control.updateDiskImage(b.p, d.id, { name: 'mine' })],
    ['deleteDiskImage', () => h.control.deleteDiskImage(b.p, d.id)],
    ['getDocumentation', () => h.control.getDocumentation(b.p, 'diskImage', d.id)],
    ['setDocumentation', () => h.control.setDocumentation(b.p, 'blueprint', bp.id, { content: 'x' })],
    ['getImage', () => h.control.getImage(b.p, image.id)],
    ['updateImage', () => h.control.updateImage(b.p, image.id, { name: 'mine' })],
    ['deleteImage', () => h.control.deleteImage(b.p, image.id)],
    ['getBlueprint', () => h.control.getBlueprint(b.p, bp.id)],
    ['deleteBlueprint', () => h.control.deleteBlueprint(b.p, bp.id)],
    ['createBlueprint', () => h.control.createBlueprint(b.p, { applicationId: app.id, blueprintName: 'stolen' })],
    ['createImage', () => h.control.createImage(b.p, { applicationId: app.id, vmId: 100, imageName: 'stolen' })],
    ['createApplication', () => h.control.createApplication(b.p, { name: 'copy', baseBlueprintId: bp.id })],
    ['addVm', async () => h.control.addVm(b.p, (await h.control.createApplication(b.p, { name: 'mine' })).id, { baseVmId: image.id })],
  ];
  for (const [name, call] of calls) await assert.rejects(h.run(call()), code('NOT_FOUND'), name);

  assert.deepEqual(await h.run(h.control.getDiskImage(a.p, d.id)), before.d);
  assert.deepEqual(await h.run(h.control.getImage(a.p, image.id)), before.image);
  assert.deepEqual(await h.run(h.control.getBlueprint(a.p, bp.id)), before.bp);
  assert.equal((await h.run(h.control.getDocumentation(a.p, 'blueprint', bp.id))).content, '');
  assert.deepEqual(await h.run(h.control.listBlueprints(b.p)), []);
  assert.deepEqual(await h.run(h.control.listImages(b.p)), []);
});

test('a blueprint clones every disk, SAVING then DONE; an application made from it gets clones of the snapshots', async () => {
  const base = await uploaded(a.organizationId, 'base.raw');
  const vm1 = sampleVm(1, { hardDrives: [{ id: 101, name: 'root', index: 0, type: 'DISK', size: { unit: 'MB', value: 4 }, controller: 'virtio', boot: true, baseDiskImageId: base.id }] });
  const app = await h.run(h.control.createApplication(a.p, { name: 'two tier', design: { vms: [vm1, sampleVm(2)] } }));
  const saving = await h.run(h.control.createBlueprint(a.p, { applicationId: app.id, blueprintName: 'two tier v1', description: 'before the upgrade' }));
  assert.equal(saving.loadingStatus, 'SAVING');
  assert.equal(saving.description, 'before the upgrade');

  const bp = await doneBlueprint(a.p, saving.id);
  assert.equal(bp.loadingStatus, 'DONE');
  const snapshots = bp.design.vms.map((v) => v.hardDrives[0]!.baseDiskImageId!);
  assert.equal(new Set(snapshots).size, 2, 'each disk has its own snapshot');
  assert.ok(!snapshots.includes(base.id), 'the snapshot is a new disk image, not the base');
  const listed = (await h.run(h.control.listDiskImages(a.p))).map((x) => x.id);
  assert.ok(snapshots.every((id) => !listed.includes(id)), 'snapshots belong to the blueprint, not the disk image list');
  const snap = await h.run(h.control.locateDiskImage(a.p, snapshots[0]!));
  assert.equal(await firstBlock(a.organizationId, snap.image), BLOCK_BYTES, 'the snapshot holds the base disk content');
  assert.equal(await firstBlock(a.organizationId, (await h.run(h.control.locateDiskImage(a.p, snapshots[1]!))).image), '', 'a disk without a base is saved empty');
  assert.deepEqual((await h.run(h.control.listBlueprints(a.p))).map((x) => x.id).includes(bp.id), true);

  const copy = await h.run(h.control.createApplication(a.p, { name: 'from blueprint', baseBlueprintId: bp.id }));
  assert.notEqual(copy.id, app.id);
  assert.deepEqual(copy.design.vms.map((v) => v.hardDrives[0]?.baseDiskImageId), snapshots);
  const clones = (await h.run(h.images!.list(String(a.organizationId)))).filter((i) => i.name.startsWith(`application-${a.organizationId}-${copy.id}-`));
  assert.equal(clones.length, 2, 'each disk of the new application is a clone of a snapshot');
  const rootClone = clones.find((c) => c.name.endsWith('-disk-101'))!;
  assert.equal(await firstBlock(a.organizationId, rootClone.id), BLOCK_BYTES);

  await assert.rejects(h.run(h.control.deleteDiskImage(a.p, snapshots[0]!)), code('ILLEGAL_STATE'), 'a snapshot goes with its blueprint');
  await h.run(h.control.deleteBlueprint(a.p, bp.id));
  await assert.rejects(h.run(h.control.getBlueprint(a.p, bp.id)), code('NOT_FOUND'));
  await assert.rejects(h.run(h.control.getDiskImage(a.p, snapshots[0]!)), code('NOT_FOUND'), 'its snapshots went with it');
  assert.equal(await firstBlock(a.organizationId, rootClone.id), BLOCK_BYTES, 'the application made from it keeps its disk');
  await h.run(h.control.deleteApplication(a.p, copy.id));
  const left = (await h.run(h.images!.list(String(a.organizationId)))).filter((i) => i.name.startsWith(`application-${a.organizationId}-${copy.id}-`));
  assert.deepEqual(left, [], "a deleted application's disks go with it");
});

test('a blueprint asked for just before a restart is DONE after it, each disk cloned once', async () => {
  const base = await uploaded(a.organizationId, 'restart.raw');
  const vm = sampleVm(3, { hardDrives: [{ id: 301, type: 'DISK', size: { unit: 'MB', value: 4 }, boot: true, baseDiskImageId: base.id }] });
  const app = await h.run(h.control.createApplication(a.p, { name: 'restart', design: { vms: [vm] } }));
  const saving = await h.run(h.control.createBlueprint(a.p, { applicationId: app.id, blueprintName: 'across a restart' }));
  await h.restart();
  const bp = await doneBlueprint(a.p, saving.id);
  assert.equal(bp.loadingStatus, 'DONE');
  const made = (await h.run(h.images!.list(String(a.organizationId)))).filter((i) => i.name === `library-${a.organizationId}-blueprint-${bp.id}-disk-301`);
  assert.equal(made.length, 1);
});

test('a VM saved as a library VM: SAVING, then DONE on its own snapshot, and usable in a design', async () => {
  const base = await uploaded(a.organizationId, 'vm.raw');
  const vm = sampleVm(4, { hardDrives: [{ id: 401, type: 'DISK', size: { unit: 'MB', value: 4 }, boot: true, baseDiskImageId: base.id }] });
  const app = await h.run(h.control.createApplication(a.p, { name: 'one vm', design: { vms: [vm] } }));
  const saving = await h.run(h.control.createImage(a.p, { applicationId: app.id, vmId: 400, imageName: 'golden' }));
  assert.equal(saving.loadingStatus, 'SAVING');
  const image = await doneImage(a.p, saving.id);
  assert.equal(image.loadingStatus, 'DONE');
  const snapshot = image.hardDrives[0]!.baseDiskImageId!;
  assert.notEqual(snapshot, base.id);
  await assert.rejects(h.run(h.control.deleteDiskImage(a.p, snapshot)), code('ILLEGAL_STATE'), 'its snapshot goes with the library VM');
  const target = await h.run(h.control.createApplication(a.p, { name: 'uses golden' }));
  const withVm = await h.run(h.control.addVm(a.p, target.id, { baseVmId: image.id }));
  assert.equal(withVm.design.vms[0]?.hardDrives[0]?.baseDiskImageId, snapshot);

  const user = await h.run(h.control.addLibraryImage(operator, a.organizationId, { name: 'on base', numCpus: 1, memorySize: { unit: 'GB', value: 1 }, hardDrives: [{ id: 1, type: 'DISK', size: { unit: 'MB', value: 4 }, baseDiskImageId: base.id }], networkConnections: [] }));
  await assert.rejects(h.run(h.control.deleteDiskImage(a.p, base.id)), code('ILLEGAL_STATE'), 'a disk image a library VM uses stays');
  await h.run(h.control.deleteImage(a.p, user.id));
  await h.run(h.control.deleteImage(a.p, image.id));
  await assert.rejects(h.run(h.control.getDiskImage(a.p, snapshot)), code('NOT_FOUND'), 'the snapshot went with its library VM');
  await h.run(h.control.deleteDiskImage(a.p, base.id));
});

test('one disk saved as a disk image: PARSING, then DONE on a clone of its base, listed, readable', async () => {
  const base = await uploaded(a.organizationId, 'single.raw');
  const vm = sampleVm(6, { hardDrives: [{ id: 601, type: 'DISK', size: { unit: 'MB', value: 4 }, boot: true, baseDiskImageId: base.id }, { id: 603, type: 'CDROM' }] });
  const app = await h.run(h.control.createApplication(a.p, { name: 'one disk', design: { vms: [vm] } }));
  const saving = await h.run(h.control.createDiskImage(a.p, { applicationId: app.id, vmId: 600, diskId: 601, diskImage: { name: 'root copy' } }));
  assert.equal(saving.loadingStatus, 'PARSING');
  // The save's reminder is due at once and may finish before this ask is served: then the image
  // must be DONE by now; while it is PARSING, its content is refused.
  const early = await h.run(h.control.locateDiskImage(a.p, saving.id)).then(() => undefined, (e: unknown) => e);
  if (early === undefined) assert.equal((await h.run(h.control.getDiskImage(a.p, saving.id))).loadingStatus, 'DONE', 'located only once saved');
  else assert.ok(code('ILLEGAL_STATE')(early), 'no content while PARSING');
  const done = await until(() => h.control.getDiskImage(a.p, saving.id), (x) => x.loadingStatus !== 'PARSING');
  assert.equal(done.loadingStatus, 'DONE');
  assert.equal(done.name, 'root copy');
  assert.equal(done.virtualSize, 4 * 1024 * 1024);
  assert.ok((await h.run(h.control.listDiskImages(a.p))).some((x) => x.id === saving.id));
  const where = await h.run(h.control.locateDiskImage(a.p, saving.id));
  assert.notEqual(where.image, (await h.run(h.control.locateDiskImage(a.p, base.id))).image, 'a clone, not the base');
  assert.equal(await firstBlock(a.organizationId, where.image), BLOCK_BYTES);
  await assert.rejects(h.run(h.control.createDiskImage(a.p, { applicationId: app.id, vmId: 600, diskId: 603, diskImage: { name: 'cd' } })), code('INVALID_ARGUMENT'), 'a CD-ROM');
  await assert.rejects(h.run(h.control.createDiskImage(a.p, { applicationId: app.id, vmId: 600, diskId: 699, diskImage: { name: 'x' } })), code('NOT_FOUND'), 'an unknown disk');
  await assert.rejects(h.run(h.control.createDiskImage(b.p, { applicationId: app.id, vmId: 600, diskId: 601, diskImage: { name: 'stolen' } })), code('NOT_FOUND'), "another tenant's application");
  await h.run(h.control.deleteDiskImage(a.p, saving.id));
});

test("the library's changes reach the tenant's event stream with who made them", async () => {
  const names = ['DISK_IMAGE_READY', 'DISK_IMAGE_DELETED', 'BLUEPRINT_SAVING', 'BLUEPRINT_READY', 'BLUEPRINT_DELETED', 'IMAGE_SAVING', 'IMAGE_READY', 'IMAGE_DELETED'];
  const seen = await until(() => h.control.searchNotifications(a.p, { eventNames: names }), (r) => names.every((n) => r.notifications.some((e) => e.name === n)));
  const saving = seen.notifications.find((e) => e.name === 'BLUEPRINT_SAVING')!;
  assert.equal(saving.principal.kind, 'user');
  assert.equal(saving.subjects[0]?.type, 'BLUEPRINT');
  const rival = await h.run(h.control.searchNotifications(b.p, { eventNames: names }));
  assert.deepEqual(rival.notifications, [], "none in the other tenant's stream");
});

test('bad input is refused and changes nothing', async () => {
  const before = await h.run(h.control.listBlueprints(a.p));
  const empty = await h.run(h.control.createApplication(a.p, { name: 'empty' }));
  await assert.rejects(h.run(h.control.createBlueprint(a.p, { applicationId: empty.id, blueprintName: 'none' })), code('INVALID_ARGUMENT'), 'no VMs, no blueprint');
  const orphan = await h.run(h.control.createApplication(a.p, { name: 'orphan', design: { vms: [sampleVm(5, { hardDrives: [{ id: 501, type: 'DISK', size: { unit: 'GB', value: 1 }, boot: true, baseDiskImageId: 999_999 }] })] } }));
  await assert.rejects(h.run(h.control.createBlueprint(a.p, { applicationId: orphan.id, blueprintName: 'x' })), code('INVALID_ARGUMENT'), 'a disk on a disk image the library lacks');
  await assert.rejects(h.run(h.control.createBlueprint(a.p, { applicationId: orphan.id, blueprintName: 'x'.repeat(10_000) })), code('INVALID_ARGUMENT'));
  await assert.rejects(h.run(h.control.createBlueprint(a.p, { applicationId: -1, blueprintName: 'x' })), code('INVALID_ARGUMENT'));
  await assert.rejects(h.run(h.control.createImage(a.p, { applicationId: orphan.id, vmId: 12345, imageName: 'x' })), code('NOT_FOUND'), 'an unknown VM');
  await assert.rejects(h.run(h.control.createApplication(a.p, { name: 'x', baseBlueprintId: 424_242 })), code('NOT_FOUND'), 'an unknown blueprint');
  await assert.rejects(h.run(h.control.getDiskImage(a.p, 1.5)), code('INVALID_ARGUMENT'));
  await assert.rejects(h.run(h.control.updateDiskImage(a.p, 1, { name: '' })), code('INVALID_ARGUMENT'));
  await assert.rejects(h.run(h.control.setDocumentation(a.p, 'image', 1, { content: 'x'.repeat(70_000) })), code('INVALID_ARGUMENT'));
  await assert.rejects(h.run(h.control.getDocumentation(a.p, 'keypair' as never, 1)), code('INVALID_ARGUMENT'));
  await assert.rejects(h.run(h.control.registerDiskImage(operator, a.organizationId, 'no-such-store-image')), code('NOT_FOUND'));
  assert.deepEqual(await h.run(h.control.listBlueprints(a.p)), before);
});

test("the demo organization's library VMs are there on its first run, and not added again", async () => {
  const first = await h.run(ensureDemoOrganization(h.control, 'demo-password'));
  assert.equal(first.created, true);
  const s = await h.run(h.control.login(DEMO_ADMIN_EMAIL, 'demo-password'));
  assert.ok(s !== undefined);
  const names = (await h.run(h.control.listImages(s.principal))).map((i) => i.name);
  assert.deepEqual(names, DEMO_IMAGES.map((i) => i.name));
  const app = await h.run(h.control.createApplication(s.principal, { name: 'demo app' }));
  const images = await h.run(h.control.listImages(s.principal));
  const withVm = await h.run(h.control.addVm(s.principal, app.id, { baseVmId: images[0]!.id }));
  const bp = await doneBlueprint(s.principal, (await h.run(h.control.createBlueprint(s.principal, { applicationId: withVm.id, blueprintName: 'demo' }))).id);
  assert.equal(bp.loadingStatus, 'DONE', 'a blueprint of an application built from demo images saves');
  assert.equal((await h.run(ensureDemoOrganization(h.control, 'other-password'))).created, false);
  assert.equal((await h.run(h.control.listImages(s.principal))).length, DEMO_IMAGES.length);
});
