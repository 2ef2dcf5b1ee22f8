/**
 * The library actor's library VM (`/images`) handlers: list, read, add (operators' and imports'
 * images), rename and annotate, delete, and save one VM of an application as a new library VM,
 * its disks cloned by the save job.
 */
import { RavelError } from '../../../core/errors.ts';
import { patched, planSave } from '../../../domain/library/library-records.ts';
import { imageOfVm } from '../../../domain/library/library-saves.ts';
import type { LibraryImage } from '../../../domain/schemas/index.ts';
import type { LibraryMsg } from './library-messages.ts';
import { startSave } from './library-save-job.ts';
import { assertLibraryRoom, docKey, MAX_IMAGES, type LibraryState } from './library-state.ts';
import { deleteOwned } from './library-blueprints.ts';
import { allow, commit, find, subject, takeIds, type LibCtx, type LibraryDeps } from './library-turn.ts';

type Msg<T extends LibraryMsg['type']> = Extract<LibraryMsg, { type: T }>;

export function listImages(ctx: LibCtx, m: Msg<'listImages'>): readonly LibraryImage[] {
  allow(ctx, m.principal, 'READ', 'IMAGE');
  return ctx.state.images;
}

export function getImage(ctx: LibCtx, m: Msg<'getImage'>): LibraryImage {
  allow(ctx, m.principal, 'READ', 'IMAGE', m.imageId);
  return find(ctx.state.images, m.imageId, 'image');
}

async function newImage(ctx: LibCtx, m: { principal: Msg<'putImage'>['principal'] }): Promise<{ state: LibraryState; id: number }> {
  allow(ctx, m.principal, 'CREATE', 'IMAGE');
  if (ctx.state.images.length >= MAX_IMAGES) throw new RavelError('QUOTA_EXCEEDED', `at most ${MAX_IMAGES} library VMs`);
  assertLibraryRoom(ctx.state);
  const t = await takeIds(ctx, ctx.state, 1);
  return { state: t.state, id: t.ids[0]! };
}

/** A library VM as given (by an operator, or made from an OVA's description), ready at once. */
export async function putImage(ctx: LibCtx, m: Msg<'putImage'>): Promise<LibraryImage> {
  const t = await newImage(ctx, m);
  const image: LibraryImage = { ...m.image, id: t.id, creationTime: ctx.clock.now() };
  commit(ctx, { ...t.state, images: [...t.state.images, image] }, m.principal, [{ name: 'IMAGE_READY', subjects: [subject('IMAGE', t.id)] }]);
  return image;
}

export function updateImage(ctx: LibCtx, m: Msg<'updateImage'>): LibraryImage {
  allow(ctx, m.principal, 'UPDATE', 'IMAGE', m.imageId);
  const s = ctx.state;
  const next = patched(find(s.images, m.imageId, 'image'), m.patch);
  commit(ctx, { ...s, images: s.images.map((x) => (x.id === next.id ? next : x)) }, m.principal, []);
  return next;
}

export async function deleteImage(ctx: LibCtx, m: Msg<'deleteImage'>, deps: LibraryDeps): Promise<null> {
  allow(ctx, m.principal, 'DELETE', 'IMAGE', m.imageId);
  const image = find(ctx.state.images, m.imageId, 'image');
  if (image.loadingStatus === 'SAVING') throw new RavelError('ILLEGAL_STATE', `image ${image.id} is still saving`);
  const s = await deleteOwned(ctx, deps, { kind: 'image', id: image.id });
  const { [docKey('image', image.id)]: _gone, ...docs } = s.docs;
  commit(ctx, { ...s, images: s.images.filter((x) => x.id !== image.id), docs }, m.principal, [{ name: 'IMAGE_DELETED', subjects: [subject('IMAGE', image.id)] }]);
  return null;
}

/** Saves one VM: the library VM answers SAVING; the job clones its disks and marks it DONE. */
export async function saveImage(ctx: LibCtx, m: Msg<'saveImage'>): Promise<LibraryImage> {
  const items = planSave(m.vm.hardDrives, (id) => ctx.state.diskImages.find((d) => d.id === id));
  const t = await newImage(ctx, m);
  const image = imageOfVm(m.vm, t.id, m.name, ctx.clock.now());
  const next = startSave(ctx, { ...t.state, images: [...t.state.images, image] }, { kind: 'image', id: t.id }, items, m.principal);
  commit(ctx, next, m.principal, [{ name: 'IMAGE_SAVING', subjects: [subject('IMAGE', t.id)] }]);
  return image;
}
