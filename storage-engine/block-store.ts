/**
 * The block store: the seam between the image service and the copy-on-write block engine.
 *
 * A disk's logical bytes are cut into fixed-size blocks. A block is stored once per tenant
 * under a keyed hash of its content (a secret key per tenant, so two tenants never share a
 * block nor learn what the other holds); all-zero blocks are not stored at all. Every read
 * checks the block against its key and fails with CORRUPT rather than return bad data.
 *
 * A version is an immutable block map (block index -> block key) over an optional parent
 * version: what the map does not hold reads through the parent. Snapshot, clone and "save
 * as image" make a new version on top of an existing one in constant time, whatever the
 * disk's size. Versions are written through a {@link VersionWriter}: nothing a writer does is
 * visible until its commit, and a crash at any moment leaves every version either complete
 * or absent. A resolved commit is on disk.
 *
 * Every call is scoped by tenant. A disk or version of another tenant behaves exactly like a
 * missing one: NOT_FOUND. Errors are RavelError: NOT_FOUND, INVALID_ARGUMENT (ranges outside
 * a version, bad sizes), ILLEGAL_STATE (a writer used after commit or abort), CORRUPT (a block
 * that fails its check), CLOSED (the store was closed).
 */
import type { Closeable } from '../core/lifecycle.ts';

export type TenantId = string;
export type DiskId = string;
export type VersionId = string;

/** What a disk is kept as. Images are disks that the image library lists. */
export type DiskPurpose = 'disk' | 'image';

/** How a version came to be. */
export type VersionOrigin = 'write' | 'snapshot' | 'clone' | 'image';

export interface DiskInfo {
  readonly id: DiskId;
  readonly purpose: DiskPurpose;
  readonly createdAt: number;
  /** The newest committed version of the disk that is not deleted, or null if there is none. */
  readonly head: VersionId | null;
}

export interface VersionInfo {
  readonly id: VersionId;
  readonly diskId: DiskId;
  /**
   * The version this one was made from, as it was made (it may have been deleted since).
   * Flattening in the background does not change it.
   */
  readonly parent: VersionId | null;
  /** Logical size in bytes. */
  readonly size: number;
  readonly origin: VersionOrigin;
  readonly createdAt: number;
}

/** A tenant's consumption, for quotas and billing. */
export interface TenantUsage {
  /** Sum of the logical sizes of the tenant's visible versions. */
  readonly logicalBytes: number;
  /** Bytes of blocks held for the tenant, after dedup and zero elision (staging included). */
  readonly storedBytes: number;
  readonly storedBlocks: number;
  readonly versions: number;
}

/** What one pass of background work did. */
export interface MaintenanceReport {
  /** Versions whose chain was flattened because it was deeper than the configured depth. */
  readonly flattened: number;
  /** Deleted or aborted versions whose maps were removed. */
  readonly purged: number;
  /** Blocks removed because no version referenced them any more. */
  readonly collectedBlocks: number;
}

export interface OpenWriterOptions {
  /**
   * The version the new one starts from: its bytes read through until overwritten. Defaults
   * to the disk's head; null starts from an empty (all-zero) disk.
   */
  readonly base?: VersionId | null;
  /** Logical size in bytes; defaults to the base's size (0 without a base). Only grows. */
  readonly size?: number;
}

/**
 * Builds one new version. Writes go to the store as they are made (the writer holds a
 * bounded amount in memory), but none is visible to anyone else until {@link commit}.
 * Calls may be issued without waiting for the previous one; they apply in call order.
 */
export interface VersionWriter {
  /** The id the version will have once committed. */
  readonly versionId: VersionId;
  /** The logical size so far. */
  readonly size: number;
  /** Grows the logical size; shrinking is refused (INVALID_ARGUMENT). */
  setSize(bytes: number): void;
  /**
   * Writes bytes at any offset; partial blocks are read, modified and written back. The
   * range must lie inside the size. Resolving means accepted, not durable: only commit is.
   * The writer has copied what it needs by then, so the caller may reuse `data`.
   */
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Writes one whole block by index (data must be exactly one block). */
  writeBlock(index: number, data: Uint8Array): Promise<void>;
  /** Reads the version as written so far (the writer's own writes over its base). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Makes the version visible, atomically and durably: when this resolves the version is on
   * disk and becomes the disk's head. Fails with NOT_FOUND if the disk was deleted meanwhile.
   */
  commit(): Promise<VersionInfo>;
  /** Drops everything written; the version never becomes visible. */
  abort(): Promise<void>;
}

/**
 * A tenant's scratch space for bytes whose place is not known yet (see DiskSink.stage). It
 * is addressed by offset like a disk, holds its bytes as blocks of the tenant (so it dedups
 * with what is later placed from it), is never visible as a version, and is dropped by
 * {@link discard} or by a restart of the store.
 */
export interface StagingArea {
  write(offset: number, data: Uint8Array): Promise<void>;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Lets go of a range: whole blocks inside it are dropped, partly covered ones zeroed there. */
  release(offset: number, length: number): Promise<void>;
  discard(): Promise<void>;
}

export interface BlockStore extends Closeable {
  /** Bytes per block, fixed for the life of a store. */
  readonly blockSize: number;

  createDisk(tenant: TenantId, options?: { purpose?: DiskPurpose }): Promise<DiskInfo>;
  getDisk(tenant: TenantId, disk: DiskId): Promise<DiskInfo>;
  /** The tenant's disks (none for an unknown tenant), for reconciling with a catalog. */
  listDisks(tenant: TenantId): Promise<DiskInfo[]>;
  /** Every tenant the store has held anything for. */
  listTenants(): Promise<TenantId[]>;
  /** Deletes every version of the disk (their blocks stay while clones of them need them). */
  deleteDisk(tenant: TenantId, disk: DiskId): Promise<void>;

  /** Starts a new version of a disk. */
  openWriter(tenant: TenantId, disk: DiskId, options?: OpenWriterOptions): Promise<VersionWriter>;
  getVersion(tenant: TenantId, version: VersionId): Promise<VersionInfo>;
  /** The disk's visible versions, oldest first. */
  listVersions(tenant: TenantId, disk: DiskId): Promise<VersionInfo[]>;

  /** A new version of the same disk on top of `version`; constant time. */
  snapshot(tenant: TenantId, version: VersionId): Promise<VersionInfo>;
  /** A new disk whose first version sits on top of `version`; constant time. */
  clone(tenant: TenantId, version: VersionId): Promise<VersionInfo>;
  /** Like clone, into a new disk of purpose 'image'; constant time. */
  saveAsImage(tenant: TenantId, version: VersionId): Promise<VersionInfo>;
  /**
   * Hides a version at once. Its map is kept while versions made on top of it need it;
   * blocks nobody references are collected later.
   */
  deleteVersion(tenant: TenantId, version: VersionId): Promise<void>;

  /** A range of a version's logical bytes; never-written ranges read as zeros. */
  read(tenant: TenantId, version: VersionId, offset: number, length: number): Promise<Uint8Array>;
  /** One whole block by index (zeros if unwritten); the last block is zero-padded. */
  readBlock(tenant: TenantId, version: VersionId, index: number): Promise<Uint8Array>;

  openStaging(tenant: TenantId): Promise<StagingArea>;

  usage(tenant: TenantId): Promise<TenantUsage>;

  /**
   * Runs background work now: flattens chains deeper than the configured depth, removes the
   * maps of deleted and aborted versions, collects unreferenced blocks. The store also runs
   * it on its own; never changes what any version reads.
   */
  maintain(): Promise<MaintenanceReport>;
}
