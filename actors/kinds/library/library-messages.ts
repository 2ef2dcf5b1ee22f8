/**
 * The library actor's messages, as schemas checked at its boundary: disk images, library VMs,
 * blueprints and their documentation. Messages from callers carry the principal; the actor
 * authorizes it against its organization, so another tenant's object is NOT_FOUND.
 */
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { Description, Design, Documentation, HardDrive, LibraryImage, LibraryObjectKind, Name, ServerId, UpdateLibraryObject, VmDesign } from '../../../domain/schemas/index.ts';
import { PrincipalSchema } from '../organization/principal-schema.ts';

const asks = <T extends string, P extends TProperties>(type: T, props: P): TObject<P & { type: ReturnType<typeof Type.Literal<T>>; principal: typeof PrincipalSchema }> =>
  Type.Object({ type: Type.Literal(type), principal: PrincipalSchema, ...props });

/** A store image id as the image service hands them out. */
const StoreImageId = Type.String({ minLength: 1, maxLength: 128 });

export const LibraryMsgSchema = Type.Union([
  asks('listDiskImages', {}),
  asks('getDiskImage', { diskImageId: ServerId }),
  /** Where a disk image's content is, for the content endpoint. */
  asks('locateDiskImage', { diskImageId: ServerId }),
  asks('updateDiskImage', { diskImageId: ServerId, patch: UpdateLibraryObject }),
  asks('deleteDiskImage', { diskImageId: ServerId }),
  /** A store image (an upload's import) becomes a disk image of the library. */
  asks('registerDiskImage', { storeImageId: StoreImageId, name: Type.Optional(Name) }),
  /** Saves one disk of an application's VM (read by the caller, who may read it) as a disk image. */
  asks('saveDiskImage', { name: Name, drive: HardDrive }),
  asks('listImages', {}),
  asks('getImage', { imageId: ServerId }),
  asks('putImage', { image: Type.Omit(LibraryImage, ['id']) }),
  asks('updateImage', { imageId: ServerId, patch: UpdateLibraryObject }),
  asks('deleteImage', { imageId: ServerId }),
  /** Saves one VM of an application (read by the caller, who may read it) as a library VM. */
  asks('saveImage', { name: Name, vm: VmDesign }),
  asks('listBlueprints', {}),
  asks('getBlueprint', { blueprintId: ServerId }),
  asks('deleteBlueprint', { blueprintId: ServerId }),
  /**
   * Saves a design as a blueprint. With `applicationId`, each disk the application has in the
   * store is saved from its current version; `requestKey` makes a retried ask (a scheduled
   * task's firing) answer the blueprint the first one made, however late it comes.
   */
  asks('saveBlueprint', {
    name: Name,
    description: Type.Optional(Description),
    design: Design,
    applicationId: Type.Optional(ServerId),
    requestKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /**
     * The application is snapshotting its running VMs' disks: the save waits for their versions
     * (`blueprintSnapshots`), or at most SNAPSHOT_WAIT_MS, then goes on from what it has.
     */
    snapshotting: Type.Optional(Type.Boolean()),
  }),
  /** The versions a blueprint's application snapshotted for it, by disk id key: its save goes on from them. */
  asks('blueprintSnapshots', { blueprintId: ServerId, versions: Type.Record(Type.String({ minLength: 1, maxLength: 32 }), Type.Object({ image: StoreImageId, version: StoreImageId })) }),
  /** The design of a DONE blueprint for a new application, each disk cloned from its snapshot. */
  asks('instantiateBlueprint', { blueprintId: ServerId, applicationId: ServerId }),
  /**
   * Publishing: each DISK of the application gets its own image in the store, cloned (constant
   * time) from its base disk image, or made empty; answers them by disk id key, or null when this
   * node has no image store. Asked again, it answers the disks it made; with `newest`, each at its
   * current version (the newest snapshot a host wrote), for a VM defined again on another host.
   */
  asks('provisionApplicationDisks', { applicationId: ServerId, drives: Type.Array(HardDrive, { maxItems: 4096 }), newest: Type.Optional(Type.Boolean()) }),
  /** A deleted application's disks go, with their store images. */
  asks('releaseApplicationDisks', { applicationId: ServerId }),
  asks('getDocumentation', { kind: LibraryObjectKind, id: ServerId }),
  asks('setDocumentation', { kind: LibraryObjectKind, id: ServerId, documentation: Documentation }),
]);
export type LibraryMsg = Static<typeof LibraryMsgSchema>;
