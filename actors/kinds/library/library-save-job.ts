/**
 * Saving blueprints and library VMs as a durable job: the ask records the save SAVING with its
 * plan and sets a reminder; the reminder clones every disk's version (constant time in the
 * store), records the clones as disk images owned by the save and marks it DONE. The reminder
 * fires again after a crash; clones carry derived names, so a run after a crash finds the ones
 * made before it instead of making them twice. A store that keeps failing ends the save FAILED.
 */
import { completeSave } from '../../../domain/library/library-saves.ts';
import { diskImageOf, saveImageName, type Owner, type SaveItem } from '../../../domain/library/library-records.ts';
import type { ImageInfo, ImageService } from '../../../storage-engine/image-service/image-service.ts';
import { match } from 'ts-pattern';
import { toRavelError } from '../../../core/errors.ts';
import type { Principal } from '../../../domain/tenancy/principal.ts';
import type { LibraryState, PendingSave } from './library-state.ts';
import { commit, organizationOf, store, storeTenant, subject, takeIds, type LibCtx, type LibraryDeps } from './library-turn.ts';

const PREFIX = 'library-save:';
export const saveReminder = (o: Owner): string => `${PREFIX}${o.kind}:${o.id}`;
export const isSaveReminder = (name: string): boolean => name.startsWith(PREFIX);

/**
 * How long a blueprint's save waits for its application's snapshots of running VMs: a bound, so
 * one whose snapshots never come (a host lost meanwhile) is still saved, from the versions it has.
 */
export const SNAPSHOT_WAIT_MS = 10 * 60_000;

/** Queues a save (run after `waitMs`): the caller has put its object, SAVING, into `next`. */
export function startSave(ctx: LibCtx, next: LibraryState, owner: Owner, items: readonly SaveItem[], p: Principal, waitMs = 0): LibraryState {
  ctx.reminders.set(saveReminder(owner), ctx.clock.now() + waitMs);
  return { ...next, saves: [...next.saves, { owner, items, principal: p, attempts: 0 }] };
}

/** The store image of one item: found by its derived name, else cloned (or made empty). */
async function cloneOf(images: ImageService, tenant: string, name: string, item: SaveItem): Promise<ImageInfo> {
  const found = await images.findByName(tenant, name);
  if (found !== null) return found;
  if (item.source === null) return images.create(tenant, { name, purpose: 'image', virtualSize: item.virtualSize });
  return images.clone(tenant, item.source.version, { name, purpose: 'image' });
}

export async function runSave(ctx: LibCtx, reminderName: string, deps: LibraryDeps): Promise<void> {
  const save = ctx.state.saves.find((x) => saveReminder(x.owner) === reminderName);
  if (save === undefined) return;
  const images = store(deps);
  const tenant = storeTenant(ctx);
  const org = organizationOf(ctx);
  let clones: ImageInfo[];
  try {
    clones = [];
    for (const item of save.items) clones.push(await cloneOf(images, tenant, saveImageName(org, save.owner, item.diskKey), item));
  } catch (e) {
    return retryOrFail(ctx, save, deps, toRavelError(e).message);
  }
  if (save.owner.kind === 'diskImage') return finishDiskImage(ctx, save, clones[0]);
  const t = await takeIds(ctx, ctx.state, clones.length);
  const now = ctx.clock.now();
  const disks = clones.map((c, i) => diskImageOf(t.ids[i]!, c, now, { name: c.name, owner: save.owner }));
  const byDisk = Object.fromEntries(save.items.map((item, i) => [item.diskKey, disks[i]!.id]));
  const s = { ...t.state, diskImages: [...t.state.diskImages, ...disks], saves: t.state.saves.filter((x) => x !== save) };
  if (save.owner.kind === 'blueprint') {
    const blueprints = s.blueprints.map((b) => (b.id === save.owner.id ? completeSave(b, byDisk) : b));
    commit(ctx, { ...s, blueprints }, save.principal, [{ name: 'BLUEPRINT_READY', subjects: [subject('BLUEPRINT', save.owner.id)] }]);
  } else {
    const lib = s.images.map((x) => (x.id === save.owner.id ? completeSave(x, byDisk) : x));
    commit(ctx, { ...s, images: lib }, save.principal, [{ name: 'IMAGE_READY', subjects: [subject('IMAGE', save.owner.id)] }]);
  }
}

/** A disk image saved from one disk: the record takes its clone's place in the store, DONE. */
function finishDiskImage(ctx: LibCtx, save: PendingSave, clone: ImageInfo | undefined): void {
  const s = { ...ctx.state, saves: ctx.state.saves.filter((x) => x !== save) };
  const d = s.diskImages.find((x) => x.id === save.owner.id);
  if (d === undefined || clone === undefined) return ctx.setState(s);
  const done = { ...diskImageOf(d.id, clone, d.creationTime ?? ctx.clock.now(), { name: d.name }), ...(d.description === undefined ? {} : { description: d.description }) };
  commit(ctx, { ...s, diskImages: s.diskImages.map((x) => (x === d ? done : x)) }, save.principal, [{ name: 'DISK_IMAGE_READY', subjects: [subject('DISK_IMAGE', d.id)] }]);
}

function retryOrFail(ctx: LibCtx, save: PendingSave, deps: LibraryDeps, why: string): void {
  const attempts = save.attempts + 1;
  const s = ctx.state;
  if (attempts < (deps.maxAttempts ?? 5)) {
    ctx.log.warn({ owner: save.owner, attempts, why }, 'library save failed; trying again');
    ctx.reminders.set(saveReminder(save.owner), ctx.clock.now() + (deps.retryMs ?? 5000) * attempts);
    return ctx.setState({ ...s, saves: s.saves.map((x) => (x === save ? { ...x, attempts } : x)) });
  }
  ctx.log.error({ owner: save.owner, why }, 'library save failed');
  const fail = <T extends { id: number; loadingStatus?: string }>(x: T): T => (x.id === save.owner.id ? { ...x, loadingStatus: 'FAILED' } : x);
  const next = { ...s, saves: s.saves.filter((x) => x !== save) };
  ctx.setState(
    match(save.owner.kind)
      .with('blueprint', () => ({ ...next, blueprints: next.blueprints.map(fail) }))
      .with('image', () => ({ ...next, images: next.images.map(fail) }))
      .with('diskImage', () => ({ ...next, diskImages: next.diskImages.map(fail) }))
      .exhaustive(),
  );
}
