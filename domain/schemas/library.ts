/** The library: key pairs, disk images, library VMs and blueprints, and the bodies that make them. */
import { Type, type Static } from '@sinclair/typebox';
import { BoundedArray, Description, EpochMillis, LocalId, Name, ServerId, Size } from './common.ts';
import { Design } from './application.ts';
import { HardDrive, NetworkConnection, SuppliedService, VmLimits } from './vm.ts';

export const KeyPair = Type.Object({
  id: ServerId,
  name: Name,
  /** Absent from the answer to create; generate answers both keys once. */
  publicKey: Type.Optional(Type.String({ maxLength: 16384 })),
  privateKey: Type.Optional(Type.String({ maxLength: 16384 })),
  creationTime: Type.Optional(EpochMillis),
  /** A deleted key pair still reads back, marked. */
  deleted: Type.Optional(Type.Boolean()),
});
export type KeyPair = Static<typeof KeyPair>;

export const CreateKeyPair = Type.Object({ name: Name, publicKey: Type.String({ minLength: 1, maxLength: 16384 }) });

export const ImageLoadingStatus = Type.Union(
  ['PARSING', 'SAVING', 'DONE', 'FAILED'].map((s) => Type.Literal(s)),
);

export const DiskImage = Type.Object({
  id: ServerId,
  name: Name,
  description: Type.Optional(Description),
  size: Size,
  isCdrom: Type.Optional(Type.Boolean()),
  loadingStatus: ImageLoadingStatus,
  format: Type.Optional(Type.String({ maxLength: 16 })),
  virtualSize: Type.Optional(Type.Integer({ minimum: 0 })),
  storedSize: Type.Optional(Type.Integer({ minimum: 0 })),
  sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  creationTime: Type.Optional(EpochMillis),
});
export type DiskImage = Static<typeof DiskImage>;

/** `POST /diskImages`: save one disk of a VM. */
export const CreateDiskImage = Type.Object({
  applicationId: ServerId,
  vmId: LocalId,
  diskId: LocalId,
  diskImage: Type.Object({ name: Name }),
  offline: Type.Optional(Type.Boolean()),
});

/** A library VM (`/images`): the hardware a design VM copies when added from it. */
export const LibraryImage = Type.Object({
  id: ServerId,
  name: Name,
  description: Type.Optional(Description),
  numCpus: Type.Integer({ minimum: 1, maximum: 1024 }),
  memorySize: Size,
  hardDrives: BoundedArray(HardDrive, VmLimits.maxDisks),
  networkConnections: BoundedArray(NetworkConnection, VmLimits.maxNics),
  suppliedServices: Type.Optional(BoundedArray(SuppliedService, VmLimits.maxServices)),
  requiresKeypair: Type.Optional(Type.Boolean()),
  allowNested: Type.Optional(Type.Boolean()),
  loadingStatus: Type.Optional(ImageLoadingStatus),
  creationTime: Type.Optional(EpochMillis),
});
export type LibraryImage = Static<typeof LibraryImage>;

/** `POST /images`: save one VM of an application. */
export const CreateImage = Type.Object({
  applicationId: ServerId,
  vmId: LocalId,
  imageName: Name,
  offline: Type.Optional(Type.Boolean()),
});

export const Blueprint = Type.Object({
  id: ServerId,
  name: Name,
  description: Type.Optional(Description),
  design: Design,
  loadingStatus: ImageLoadingStatus,
  creationTime: Type.Optional(EpochMillis),
});
export type Blueprint = Static<typeof Blueprint>;

/** `POST /blueprints`: save a whole application, disks included. */
export const CreateBlueprint = Type.Object({
  applicationId: ServerId,
  blueprintName: Name,
  description: Type.Optional(Description),
  offline: Type.Optional(Type.Boolean()),
});

/** `PUT /diskImages/{id}`, `PUT /images/{id}`: what a client may change (other fields are ignored). */
export const UpdateLibraryObject = Type.Object({ name: Type.Optional(Name), description: Type.Optional(Description) });
export type UpdateLibraryObject = Static<typeof UpdateLibraryObject>;

/** Documentation notes kept on a library object (`GET/PUT .../{id}/documentation`, ours). */
export const Documentation = Type.Object({ content: Type.String({ maxLength: 65_536 }) });
export type Documentation = Static<typeof Documentation>;

/** What the library kinds keep documentation on. */
export const LibraryObjectKind = Type.Union([Type.Literal('diskImage'), Type.Literal('image'), Type.Literal('blueprint')]);
export type LibraryObjectKind = Static<typeof LibraryObjectKind>;

export type CreateImage = Static<typeof CreateImage>;
export type CreateBlueprint = Static<typeof CreateBlueprint>;
export type CreateDiskImage = Static<typeof CreateDiskImage>;
