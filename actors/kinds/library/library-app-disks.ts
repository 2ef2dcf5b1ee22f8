/**
 * The disks of applications in the image store, kept by the library actor (it owns the
 * organization's store tenant): at publish each DISK of an application gets its own image,
 * cloned in constant time from its base disk image's version (made empty without a base), which
 * the hosts read and snapshot into; a blueprint of the application saves each disk's current
 * version; deleting the application deletes its images (the store collects the blocks nothing
 * references any more).
 */
import { isRavelError, RavelError } from '../../../core/errors.ts';
import { applicationDiskName, type StoreRef } from '../../../domain/library/library-records.ts';
import { idKey, sizeInMb, type HardDrive } from '../../../domain/schemas/index.ts';
import type { ImageInfo } from '../../../storage-engine/image-service/image-service.ts';
import type { LibraryMsg } from './library-messages.ts';
import { deleteStoreImage } from './library-disk-images.ts';
import { runSave, saveReminder } from './library-save-job.ts';
import type { ApplicationDisk } from './library-state.ts';
import { allow, find, organizationOf, store, storeTenant, type LibCtx, type LibraryDeps } from './library-turn.ts';

type Msg<T extends LibraryMsg['type']> = Extract<LibraryMsg, { type: T }>;

const disksOf = (ctx: LibCtx, applicationId: number): ApplicationDisk[] => ctx.state.applicationDisks.filter((d) => d.applicationId === applicationId);

/**
 * Each DISK's own image, by disk id key: the one the application already has (made from a
 * blueprint, or by an earlier publish), else a clone of its base disk image's version, else an
 * empty image of its size. Images a try cut short by a crash made are found by their derived
 * names. A base still saving is INVALID_ARGUMENT, and nothing is recorded. A base the library
 * does not hold (an operator's library VM naming a disk image never uploaded) gets no image:
 * its hosts are told the library's name, as before disks were in the store. Null when this node
 * has no image store, or none answers on the bus (a cluster without the storage role). With
 * `newest` (a repair), each disk is answered at its current version rather than its first.
 */
export async function provisionApplicationDisks(ctx: LibCtx, m: Msg<'provisionApplicationDisks'>, deps: LibraryDeps): Promise<Record<string, StoreRef> | null> {
  allow(ctx, m.principal, 'EXECUTE', 'APPLICATION', m.applicationId);
  if (deps.images === undefined) return null;
  const had = new Map(disksOf(ctx, m.applicationId).map((d) => [d.diskKey, d]));
  const held = (d: HardDrive): boolean => d.baseDiskImageId === undefined || ctx.state.diskImages.some((x) => x.id === d.baseDiskImageId);
  const wanted = m.drives.filter((d) => d.type === 'DISK' && !had.has(idKey(d.id)) && held(d));
  const bases = wanted.map((d) => (d.baseDiskImageId === undefined ? undefined : find(ctx.state.diskImages, d.baseDiskImageId, 'disk image')));
  bases.forEach((b, i) => {
    if (b !== undefined && b.store === undefined) {
      throw new RavelError('INVALID_ARGUMENT', `disk ${idKey(wanted[i]!.id)} is based on disk image ${b.id}, which is still saving`, { details: { field: 'baseDiskImageId' } });
    }
  });
  const added: ApplicationDisk[] = [];
  if (wanted.length > 0) {
    const images = store(deps);
    const tenant = storeTenant(ctx);
    const nameOf = (drive: HardDrive): string => applicationDiskName(organizationOf(ctx), m.applicationId, idKey(drive.id));
    const firstFound = await images.findByName(tenant, nameOf(wanted[0]!)).catch((e: unknown) => {
      if (isRavelError(e, 'NO_RESPONDERS')) return undefined;
      throw e;
    });
    if (firstFound === undefined) {
      ctx.log.warn({ applicationId: m.applicationId }, 'no image store answers: the application\'s disks are not in the store');
      return null;
    }
    for (const [i, drive] of wanted.entries()) {
      const name = nameOf(drive);
      const base = bases[i];
      const made: ImageInfo =
        (i === 0 ? firstFound : await images.findByName(tenant, name)) ??
        (base?.store === undefined
          ? await images.create(tenant, { name, virtualSize: drive.size === undefined ? 0 : sizeInMb(drive.size) * 1024 * 1024 })
          : await images.clone(tenant, base.store.version, { name }));
      if (made.head === null) throw new RavelError('INTERNAL', `store image ${made.id} has no version`);
      added.push({ applicationId: m.applicationId, diskKey: idKey(drive.id), ...(base === undefined ? {} : { baseDiskImageId: base.id }), store: { image: made.id, version: made.head } });
    }
    ctx.setState({ ...ctx.state, applicationDisks: [...ctx.state.applicationDisks, ...added] });
  }
  const keys = new Set(m.drives.filter((d) => d.type === 'DISK').map((d) => idKey(d.id)));
  const newest = m.newest === true ? await currentVersions(ctx, deps, m.applicationId, m.drives) : new Map<string, StoreRef>();
  return Object.fromEntries([...had.values(), ...added].filter((d) => keys.has(d.diskKey)).map((d) => [d.diskKey, newest.get(d.diskKey) ?? d.store]));
}

/**
 * What a blueprint of the application saves each of its disks from: the current version (the
 * image's head, the newest snapshot a host wrote) of every disk it has in the store, by disk id
 * key. Disks it has none for are saved from their base disk image.
 */
export async function currentVersions(ctx: LibCtx, deps: LibraryDeps, applicationId: number | undefined, drives: readonly HardDrive[]): Promise<Map<string, StoreRef>> {
  const out = new Map<string, StoreRef>();
  if (applicationId === undefined) return out;
  const keys = new Set(drives.filter((d) => d.type === 'DISK').map((d) => idKey(d.id)));
  const disks = disksOf(ctx, applicationId).filter((d) => keys.has(d.diskKey));
  if (disks.length === 0) return out;
  const images = store(deps);
  const tenant = storeTenant(ctx);
  for (const d of disks) {
    const head = (await images.get(tenant, d.store.image)).head;
    out.set(d.diskKey, { image: d.store.image, version: head ?? d.store.version });
  }
  return out;
}

/**
 * Deletes the disks of a deleted application; none left (or never made) is fine. A save still
 * waiting to clone one of them (a blueprint asked for before the delete) runs first, so it keeps
 * what it was asked to save.
 */
export async function releaseApplicationDisks(ctx: LibCtx, m: Msg<'releaseApplicationDisks'>, deps: LibraryDeps): Promise<number> {
  allow(ctx, m.principal, 'DELETE', 'APPLICATION', m.applicationId);
  const gone = disksOf(ctx, m.applicationId);
  if (gone.length === 0) return 0;
  const images = new Set(gone.map((d) => d.store.image));
  for (const save of ctx.state.saves.filter((x) => x.items.some((i) => i.source !== null && images.has(i.source.image)))) {
    const reminder = saveReminder(save.owner);
    await runSave(ctx, reminder, deps);
    if (ctx.state.saves.some((x) => saveReminder(x.owner) === reminder)) {
      throw new RavelError('UNAVAILABLE', `a save of application ${m.applicationId}'s disks could not finish first; try the delete again`);
    }
  }
  for (const d of gone) await deleteStoreImage(ctx, deps, d.store.image);
  ctx.setState({ ...ctx.state, applicationDisks: ctx.state.applicationDisks.filter((d) => d.applicationId !== m.applicationId) });
  return gone.length;
}
