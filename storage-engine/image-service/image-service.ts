/**
 * The image service: the block store (storage-engine/block-store.ts) made reachable from any
 * node. Disk images are disks of the block store with a name and what was learnt when they
 * were filled; HVX agents read blocks of a version to start a VM and write a snapshot as a new
 * version on top of a base.
 *
 * Implementations: `LocalImageService` (in the process that owns the store directory) and
 * `ImageServiceClient` (any node, over the Bus to an `ImageServer` in front of a local one).
 * Both pass image-service.conformance.ts.
 *
 * Every call is scoped by tenant. An image, version or writer of another tenant answers
 * exactly like a missing one: NOT_FOUND. Errors are RavelError: NOT_FOUND, INVALID_ARGUMENT
 * (bad input; nothing is changed), ILLEGAL_STATE (a writer used after commit, abort or its
 * lease ran out), CORRUPT (a block that fails its hash check), and over the Bus also
 * DECODE_FAILED, NO_RESPONDERS, TIMEOUT.
 */
import type { TenantUsage, VersionId, VersionInfo } from '../block-store.ts';
import type { DiskFormat } from '../formats/format.ts';

export type ImageId = string;

/** A disk kept for a VM, or an image of the library. */
export type ImagePurpose = 'disk' | 'image';

export interface ImageInfo {
  /** The block store's disk id. */
  readonly id: ImageId;
  readonly name: string;
  readonly purpose: ImagePurpose;
  /** The format it was uploaded in; `raw` for images made empty, or by writes. */
  readonly format: DiskFormat;
  /** Logical size of the head version, in bytes (0 without one). */
  readonly virtualSize: number;
  /**
   * Bytes of the non-zero blocks its content was written as (by import or by writers): zero
   * blocks are not stored, and dedup may store less. 0 for a clone, which shares its source's.
   */
  readonly storedSize: number;
  /** SHA-256 (hex) of the head version's logical disk, when known (after an import); else null. */
  readonly sha256: string | null;
  /** The newest version, or null when it has none. */
  readonly head: VersionId | null;
  readonly createdAt: number;
}

export interface CreateImageRequest {
  /** 1 to 255 characters. */
  readonly name: string;
  readonly purpose?: ImagePurpose;
  /** An empty (all-zero) first version of this many bytes. */
  readonly virtualSize: number;
}

export interface CloneRequest {
  readonly name: string;
  /** Default 'disk'. */
  readonly purpose?: ImagePurpose;
}

/** Blocks `first` to `first + count - 1` of a version. */
export interface BlockRange {
  readonly first: number;
  readonly count: number;
}

/** One block of a version. `data` is exactly one block; null means all zeros (not sent). */
export interface Block {
  readonly index: number;
  readonly data: Uint8Array | null;
}

export interface OpenWriterRequest {
  /** The version the new one starts from; defaults to the image's head, null for empty. */
  readonly base?: VersionId | null;
  /** Logical size; defaults to the base's. Only grows. */
  readonly size?: number;
}

/**
 * A new version being written, usually a snapshot an HVX agent sends: open, send the changed
 * blocks, commit. Nothing is visible until commit. A writer that hears nothing from its
 * owner for the service's lease (a crashed agent) is aborted; afterwards every call answers
 * ILLEGAL_STATE.
 */
export interface ImageWriter {
  readonly writerId: string;
  /** The id the version will have once committed. */
  readonly versionId: VersionId;
  readonly blockSize: number;
  /** How long the writer may stay silent before it is aborted. */
  readonly leaseMs: number;
  /** Whole blocks by index, inside the size; null writes zeros. */
  writeBlocks(blocks: readonly Block[]): Promise<void>;
  /** Makes the version visible and the image's head; durable when it resolves. */
  commit(): Promise<VersionInfo>;
  abort(): Promise<void>;
}

/** What a store serves: fixed for its life. */
export interface ImageStoreInfo {
  readonly blockSize: number;
  /** Blocks per read reply or write request, so a message stays under the bus's payload bound. */
  readonly maxBlocksPerMessage: number;
}

export interface ImageService {
  info(): Promise<ImageStoreInfo>;

  create(tenant: string, request: CreateImageRequest): Promise<ImageInfo>;
  /** The tenant's images, oldest first. */
  list(tenant: string): Promise<ImageInfo[]>;
  get(tenant: string, image: ImageId): Promise<ImageInfo>;
  /**
   * The tenant's oldest image of this name, or null: how a caller that names what it makes
   * (a derived name) finds what a try cut short made, without listing every image.
   */
  findByName(tenant: string, name: string): Promise<ImageInfo | null>;
  /** Deletes the image and its versions (blocks stay while clones need them). */
  delete(tenant: string, image: ImageId): Promise<void>;
  /** The image's versions, oldest first. */
  listVersions(tenant: string, image: ImageId): Promise<VersionInfo[]>;

  /**
   * Blocks of a version in the order of the ranges, each checked against its hash by the
   * store. Ranges must lie inside the version (INVALID_ARGUMENT); the last block is
   * zero-padded.
   */
  readBlocks(tenant: string, version: VersionId, ranges: readonly BlockRange[]): AsyncIterable<Block>;
  openWriter(tenant: string, image: ImageId, request?: OpenWriterRequest): Promise<ImageWriter>;

  /** A new version of the same image on top of `version`; constant time. */
  snapshot(tenant: string, version: VersionId): Promise<VersionInfo>;
  /** A new image whose first version sits on top of `version`; constant time. */
  clone(tenant: string, version: VersionId, request: CloneRequest): Promise<ImageInfo>;

  usage(tenant: string): Promise<TenantUsage>;
}
