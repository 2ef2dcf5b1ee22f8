/**
 * The library's records over the image store, as pure data: disk images (an image of the store
 * with the API's integer id, a name, notes), and the plan of a save (blueprint or library VM):
 * which store version each disk is cloned from, worked out when the save is asked for, so the
 * job that runs it later (after a crash too) needs nothing but the plan.
 */
import { RavelError } from '../../core/errors.ts';
import { idKey, type Design, type DiskImage, type HardDrive, type Size, type UpdateLibraryObject } from '../schemas/index.ts';

/** Where a disk image's content is: an image of the store and the version it stands for. */
export interface StoreRef {
  readonly image: string;
  readonly version: string;
}

/**
 * What a save fills in: a blueprint, a library VM, or a disk image saved from one disk. The
 * disk images a blueprint's or library VM's save makes belong to it: hidden from the list,
 * deleted with it.
 */
export interface Owner {
  readonly kind: 'blueprint' | 'image' | 'diskImage';
  readonly id: number;
}

export interface StoredDiskImage extends DiskImage {
  /** Absent while a disk image saved from a VM's disk is PARSING. */
  readonly store?: StoreRef;
  readonly owner?: Owner;
}

/** What the store tells about an image, as the library needs it. */
export interface StoreImageInfo {
  readonly id: string;
  readonly name: string;
  readonly format: string;
  readonly virtualSize: number;
  readonly storedSize: number;
  readonly sha256: string | null;
  readonly head: string | null;
}

const MiB = 1024 * 1024;

/** Bytes as the API's size: whole GB when exact, else MB rounded up. */
export function sizeOfBytes(bytes: number): Size {
  const mb = Math.ceil(bytes / MiB);
  return mb > 0 && mb % 1024 === 0 ? { unit: 'GB', value: mb / 1024 } : { unit: 'MB', value: mb };
}

/** A disk image record for a store image that has content; ILLEGAL_STATE for one without a version. */
export function diskImageOf(id: number, info: StoreImageInfo, now: number, o: { name?: string; owner?: Owner } = {}): StoredDiskImage {
  if (info.head === null) throw new RavelError('ILLEGAL_STATE', `store image ${info.id} has no content yet`);
  return {
    id,
    name: o.name ?? info.name,
    size: sizeOfBytes(info.virtualSize),
    isCdrom: info.format === 'iso',
    loadingStatus: 'DONE',
    format: info.format,
    virtualSize: info.virtualSize,
    storedSize: info.storedSize,
    ...(info.sha256 === null ? {} : { sha256: info.sha256 }),
    creationTime: now,
    store: { image: info.id, version: info.head },
    ...(o.owner === undefined ? {} : { owner: o.owner }),
  };
}

/** The API's view: without where it is stored or who owns it. */
export function diskImageView(d: StoredDiskImage): DiskImage {
  const { store: _s, owner: _o, ...view } = d;
  return view;
}

/** Name and description changed; a field left out stays. */
export function patched<T extends { name: string; description?: string }>(obj: T, patch: UpdateLibraryObject): T {
  return {
    ...obj,
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.description === undefined ? {} : { description: patch.description }),
  };
}

/** One disk of a save: cloned from `source` (constant time), or made empty when it had no base. */
export interface SaveItem {
  /** The disk's id key in the design (unique across a design). */
  readonly diskKey: string;
  readonly source: StoreRef | null;
  readonly virtualSize: number;
}

/**
 * The items of a save of these disks. A disk on a base disk image is cloned from that image's
 * version; one without is saved empty, of its size. CD-ROMs keep pointing at their ISO. A base
 * the library does not hold (deleted since, or never stored) is INVALID_ARGUMENT: nothing is saved.
 */
export function planSave(
  drives: readonly HardDrive[],
  lookup: (diskImageId: number) => StoredDiskImage | undefined,
  /** Disks saved from a version of their own (an application's disk as it is now), by id key. */
  current: ReadonlyMap<string, StoreRef> = new Map(),
): SaveItem[] {
  return drives
    .filter((d) => d.type === 'DISK')
    .map((d) => {
      const virtualSize = d.size === undefined ? 0 : (d.size.unit === 'GB' ? d.size.value * 1024 : d.size.value) * MiB;
      const own = current.get(idKey(d.id));
      if (own !== undefined) return { diskKey: idKey(d.id), source: own, virtualSize };
      if (d.baseDiskImageId === undefined) return { diskKey: idKey(d.id), source: null, virtualSize };
      const base = lookup(d.baseDiskImageId);
      if (base?.store === undefined) {
        throw new RavelError('INVALID_ARGUMENT', `disk ${idKey(d.id)} is based on disk image ${d.baseDiskImageId}, which the library does not hold (or is still saving)`, { details: { field: 'baseDiskImageId' } });
      }
      return { diskKey: idKey(d.id), source: base.store, virtualSize: Math.max(virtualSize, base.virtualSize ?? 0) };
    });
}

/** Every hard drive of a design. */
export function drivesOf(design: Design): HardDrive[] {
  return design.vms.flatMap((vm) => vm.hardDrives);
}

/** The store name of a save's clone: derived, so a job run again after a crash finds what it made. */
export function saveImageName(organizationId: number, owner: Owner, diskKey: string): string {
  return `library-${organizationId}-${owner.kind}-${owner.id}-disk-${diskKey}`;
}

/** The store name of an application's disk cloned from a blueprint. */
export function applicationDiskName(organizationId: number, applicationId: number, diskKey: string): string {
  return `application-${organizationId}-${applicationId}-disk-${diskKey}`;
}
