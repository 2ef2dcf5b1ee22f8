/**
 * The library actor's disk image handlers: list, read, rename and annotate, delete, and take in
 * a store image (an upload's import) as a disk image with the API's integer id.
 */
import { RavelError } from '../../../core/errors.ts';
import { diskImageOf, diskImageView, patched, planSave, sizeOfBytes, type StoredDiskImage, type StoreRef } from '../../../domain/library/library-records.ts';
import { startSave } from './library-save-job.ts';
import type { DiskImage } from '../../../domain/schemas/index.ts';
import type { LibraryMsg } from './library-messages.ts';
import { assertLibraryRoom, docKey, MAX_DISK_IMAGES } from './library-state.ts';
import { allow, commit, find, store, storeTenant, subject, takeIds, type LibCtx, type LibraryDeps } from './library-turn.ts';

type Msg<T extends LibraryMsg['type']> = Extract<LibraryMsg, { type: T }>;

export function listDiskImages(ctx: LibCtx, m: Msg<'listDiskImages'>): DiskImage[] {
  allow(ctx, m.principal, 'READ', 'DISK_IMAGE');
  // Snapshots a save made belong to their blueprint or library VM, not to the list.
  return ctx.state.diskImages.filter((d) => d.owner === undefined).map(diskImageView);
}

export function getDiskImage(ctx: LibCtx, m: Msg<'getDiskImage'>): DiskImage {
  allow(ctx, m.principal, 'READ', 'DISK_IMAGE', m.diskImageId);
  return diskImageView(find(ctx.state.diskImages, m.diskImageId, 'disk image'));
}

export function locateDiskImage(ctx: LibCtx, m: Msg<'locateDiskImage'>): StoreRef & { tenant: string } {
  allow(ctx, m.principal, 'READ', 'DISK_IMAGE', m.diskImageId);
  const d = find(ctx.state.diskImages, m.diskImageId, 'disk image');
  if (d.store === undefined) throw new RavelError('ILLEGAL_STATE', `disk image ${d.id} is ${d.loadingStatus}: it has no content yet`);
  return { ...d.store, tenant: storeTenant(ctx) };
}

export function updateDiskImage(ctx: LibCtx, m: Msg<'updateDiskImage'>): DiskImage {
  allow(ctx, m.principal, 'UPDATE', 'DISK_IMAGE', m.diskImageId);
  const s = ctx.state;
  const next = patched(find(s.diskImages, m.diskImageId, 'disk image'), m.patch);
  commit(ctx, { ...s, diskImages: s.diskImages.map((d) => (d.id === next.id ? next : d)) }, m.principal, []);
  return diskImageView(next);
}

/** Deletes the record and its store image; a disk image a library VM or blueprint uses stays (ILLEGAL_STATE). */
export async function deleteDiskImage(ctx: LibCtx, m: Msg<'deleteDiskImage'>, deps: LibraryDeps): Promise<null> {
  allow(ctx, m.principal, 'DELETE', 'DISK_IMAGE', m.diskImageId);
  const s = ctx.state;
  const d = find(s.diskImages, m.diskImageId, 'disk image');
  if (d.loadingStatus === 'PARSING') throw new RavelError('ILLEGAL_STATE', `disk image ${d.id} is still saving`);
  if (d.owner !== undefined) throw new RavelError('ILLEGAL_STATE', `disk image ${d.id} belongs to ${d.owner.kind} ${d.owner.id}: delete that instead`);
  const user = s.images.find((i) => i.hardDrives.some((h) => h.baseDiskImageId === d.id));
  if (user !== undefined) throw new RavelError('ILLEGAL_STATE', `disk image ${d.id} is used by library VM ${user.id}`);
  if (d.store !== undefined) await deleteStoreImage(ctx, deps, d.store.image);
  const { [docKey('diskImage', d.id)]: _gone, ...docs } = s.docs;
  commit(ctx, { ...s, diskImages: s.diskImages.filter((x) => x !== d), docs }, m.principal, [{ name: 'DISK_IMAGE_DELETED', subjects: [subject('DISK_IMAGE', d.id)] }]);
  return null;
}

/** Deletes a store image; one already gone is fine (a retried delete). Blocks stay while clones need them. */
export async function deleteStoreImage(ctx: LibCtx, deps: LibraryDeps, image: string): Promise<void> {
  await store(deps).delete(storeTenant(ctx), image).catch((e: unknown) => {
    if ((e as { code?: unknown }).code !== 'NOT_FOUND') throw e;
  });
}

export async function registerDiskImage(ctx: LibCtx, m: Msg<'registerDiskImage'>, deps: LibraryDeps): Promise<DiskImage> {
  allow(ctx, m.principal, 'CREATE', 'DISK_IMAGE');
  const s = ctx.state;
  // Registering the same store image again (a retried upload finish) answers the first record.
  const known = s.diskImages.find((d) => d.store?.image === m.storeImageId);
  if (known !== undefined) return diskImageView(known);
  if (s.diskImages.length >= MAX_DISK_IMAGES) throw new RavelError('QUOTA_EXCEEDED', `at most ${MAX_DISK_IMAGES} disk images`);
  assertLibraryRoom(ctx.state);
  const info = await store(deps).get(storeTenant(ctx), m.storeImageId);
  const t = await takeIds(ctx, s, 1);
  const d = diskImageOf(t.ids[0]!, info, ctx.clock.now(), m.name === undefined ? {} : { name: m.name });
  commit(ctx, { ...t.state, diskImages: [...t.state.diskImages, d] }, m.principal, [{ name: 'DISK_IMAGE_READY', subjects: [subject('DISK_IMAGE', d.id)], details: { format: info.format } }]);
  return diskImageView(d);
}

/** `POST /diskImages`: one disk of a VM saved as a disk image, PARSING until the save job has cloned it. */
export async function saveDiskImage(ctx: LibCtx, m: Msg<'saveDiskImage'>): Promise<DiskImage> {
  allow(ctx, m.principal, 'CREATE', 'DISK_IMAGE');
  if (m.drive.type !== 'DISK') throw new RavelError('INVALID_ARGUMENT', 'only a DISK is saved as a disk image; a CD-ROM already is one', { details: { field: 'diskId' } });
  if (ctx.state.diskImages.length >= MAX_DISK_IMAGES) throw new RavelError('QUOTA_EXCEEDED', `at most ${MAX_DISK_IMAGES} disk images`);
  assertLibraryRoom(ctx.state);
  const items = planSave([m.drive], (id) => ctx.state.diskImages.find((d) => d.id === id));
  const t = await takeIds(ctx, ctx.state, 1);
  const id = t.ids[0]!;
  const d: StoredDiskImage = { id, name: m.name, size: m.drive.size ?? sizeOfBytes(items[0]?.virtualSize ?? 0), isCdrom: false, loadingStatus: 'PARSING', creationTime: ctx.clock.now() };
  const next = startSave(ctx, { ...t.state, diskImages: [...t.state.diskImages, d] }, { kind: 'diskImage', id }, items, m.principal);
  commit(ctx, next, m.principal, []);
  return diskImageView(d);
}
