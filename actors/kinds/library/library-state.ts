/**
 * What a library actor holds (one per organization, id = the organization's id): its disk
 * images over the image store, its library VMs, its blueprints, the saves still running, the
 * disks of applications made from blueprints, documentation notes, and the events it has yet
 * to hand to its organization.
 */
import { encode } from '../../../core/codec.ts';
import { RavelError } from '../../../core/errors.ts';
import type { Owner, SaveItem, StoredDiskImage, StoreRef } from '../../../domain/library/library-records.ts';
import type { Blueprint, LibraryImage, LibraryObjectKind } from '../../../domain/schemas/index.ts';
import type { Principal } from '../../../domain/tenancy/principal.ts';
import { emptyForwardOutbox, type ForwardOutbox } from '../../../events/event-outbox.ts';
import type { IdRange } from '../organization/id-sequence-kind.ts';

export const MAX_DISK_IMAGES = 10_000;
export const MAX_IMAGES = 2_000;
export const MAX_BLUEPRINTS = 2_000;

/**
 * The most bytes a library's record may take before it takes no new disk image, library VM or
 * blueprint. The whole library is one actor record, and a record store refuses a record over
 * its limit (NATS's max_payload, 1 MiB): past it every later write of the library failed (a
 * 30-minute soak's uploads filled one at ~3,900 disk images), and with it every publish and
 * delete of the organization's applications that touch their disks. The counts above do not
 * bound the bytes; this does, with room left for one more item and the events waiting to go.
 */
export const LIBRARY_RECORD_BUDGET = 640 * 1024;

/** Refuses to add to a library whose record has reached `budget` bytes (QUOTA_EXCEEDED, changing nothing). */
export function assertLibraryRoom(s: LibraryState, budget = LIBRARY_RECORD_BUDGET): void {
  const bytes = encode(s).byteLength;
  if (bytes < budget) return;
  throw new RavelError('QUOTA_EXCEEDED', `the organization's library is full (${Math.ceil(bytes / 1024)} KiB of ${budget / 1024} KiB): delete disk images, library VMs or blueprints first`, {
    details: { libraryBytes: bytes, budgetBytes: budget },
  });
}

/** A save the job has yet to finish: the blueprint or library VM it fills in, and its plan. */
export interface PendingSave {
  readonly owner: Owner;
  readonly items: readonly SaveItem[];
  /** Who asked: the events of its end name them. */
  readonly principal: Principal;
  readonly attempts: number;
}

/**
 * An application's own disk in the store: cloned from a blueprint's snapshot when the
 * application was made from it, or at publish from the disk's base disk image (made empty
 * without one). `store.version` is the version it was made at; later snapshots are newer
 * versions of the same image.
 */
export interface ApplicationDisk {
  readonly applicationId: number;
  readonly diskKey: string;
  readonly baseDiskImageId?: number;
  readonly store: StoreRef;
}

/** How many request keys of blueprint saves are remembered (the oldest are forgotten first). */
export const MAX_SAVE_KEYS = 4096;

export interface LibraryState {
  readonly ids: IdRange;
  readonly diskImages: readonly StoredDiskImage[];
  readonly images: readonly LibraryImage[];
  readonly blueprints: readonly Blueprint[];
  readonly saves: readonly PendingSave[];
  readonly applicationDisks: readonly ApplicationDisk[];
  /** The blueprint each keyed save made (saveBlueprint's `requestKey`), oldest first. */
  readonly saveKeys?: Readonly<Record<string, number>>;
  /** Documentation notes by `kind:id`. */
  readonly docs: Readonly<Record<string, string>>;
  readonly outbox: ForwardOutbox;
}

export const docKey = (kind: LibraryObjectKind, id: number): string => `${kind}:${id}`;

export function emptyLibrary(): LibraryState {
  return { ids: { first: 0, count: 0 }, diskImages: [], images: [], blueprints: [], saves: [], applicationDisks: [], docs: {}, outbox: emptyForwardOutbox };
}

export function organizationOfLibrary(actorId: string): number {
  const id = Number(actorId);
  if (!Number.isSafeInteger(id) || id < 1 || String(id) !== actorId) throw new RavelError('INVALID_ARGUMENT', `not an organization id: ${actorId}`);
  return id;
}

/** Reads stored state; only the backbone is checked (the actor wrote it). */
export function decodeLibraryState(stored: unknown): LibraryState {
  const s = stored as Partial<LibraryState> | null;
  if (s === null || typeof s !== 'object' || !Array.isArray(s.diskImages) || !Array.isArray(s.images) || !Array.isArray(s.blueprints) || s.outbox === undefined) {
    throw new RavelError('CORRUPT', 'bad library state');
  }
  return { ...emptyLibrary(), ...s };
}
