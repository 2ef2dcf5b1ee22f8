/**
 * The DiskSink that decoders write into: a new version of a disk in the block store, with
 * staged upload bytes kept as blocks in a staging area of the same tenant (so placing them
 * later dedups against what was staged). finish() commits the version; fail() leaves nothing.
 *
 * A resumable sink (startResumable / resume) writes through a durable ingest of the LMDB store:
 * its version and staging area outlive a restart, and saveCheckpoint stores an ingest
 * checkpoint with them. Staged bytes it is told to release stay until the next checkpoint is
 * saved, since the last one may still need them after a crash.
 */
import { RavelError } from '../../core/errors.ts';
import type { BlockStore, DiskId, StagingArea, TenantId, VersionInfo, VersionWriter } from '../block-store.ts';
import type { DurableIngest } from '../lmdb/durable-ingest.ts';
import type { DiskSink } from './disk-sink.ts';
import type { IngestCheckpoint } from './ingest-types.ts';

/** A store that keeps ingests across restarts (the LMDB store). */
export interface DurableIngestStore {
  startDurableIngest(tenant: TenantId, disk: DiskId): Promise<DurableIngest>;
  resumeDurableIngest(tenant: TenantId, ingest: string): Promise<DurableIngest>;
}

/** What a resumable sink saves beside the ingest checkpoint. */
interface SavedSink {
  readonly ingest: IngestCheckpoint;
  readonly size: number | null;
  readonly staged: Array<[number, number]>;
}

/** The saved sink state read back from the store, its shape checked (the checkpoint's own parts are checked as they are used). */
function savedSinkFrom(x: unknown): SavedSink | null {
  if (x === null) return null;
  const s = x as Partial<SavedSink> | undefined;
  const count = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
  const ok =
    typeof s === 'object' &&
    typeof s.ingest === 'object' &&
    s.ingest !== null &&
    (s.size === null || count(s.size)) &&
    Array.isArray(s.staged) &&
    s.staged.every((r) => Array.isArray(r) && count(r[0]) && count(r[1]) && r[0] <= r[1]);
  if (!ok) throw new RavelError('CORRUPT', 'the saved state of a resumable ingest is malformed');
  return s as SavedSink;
}

/** Disjoint half-open ranges, kept sorted. */
class RangeSet {
  private ranges: Array<[number, number]> = [];

  add(start: number, end: number): void {
    const kept: Array<[number, number]> = [];
    for (const [s, e] of this.ranges) {
      if (e < start || s > end) kept.push([s, e]);
      else [start, end] = [Math.min(s, start), Math.max(e, end)];
    }
    kept.push([start, end]);
    this.ranges = kept.sort((a, b) => a[0] - b[0]);
  }

  remove(start: number, end: number): void {
    this.ranges = this.ranges.flatMap(([s, e]): Array<[number, number]> => {
      if (e <= start || s >= end) return [[s, e]];
      const parts: Array<[number, number]> = [];
      if (s < start) parts.push([s, start]);
      if (e > end) parts.push([end, e]);
      return parts;
    });
  }

  covers(start: number, end: number): boolean {
    return start === end || this.ranges.some(([s, e]) => s <= start && end <= e);
  }

  all(): Array<[number, number]> {
    return this.ranges.map(([s, e]) => [s, e]);
  }
}

export class BlockStoreSink implements DiskSink {
  private size: number | undefined;
  private staging: Promise<StagingArea> | undefined;
  private readonly staged = new RangeSet();
  private done = false;
  /** Releases held back until the next checkpoint is saved (resumable sinks only). */
  private deferred: Array<[number, number]> = [];

  private constructor(
    private readonly store: BlockStore,
    private readonly tenant: TenantId,
    private readonly writer: VersionWriter,
    private readonly durable?: DurableIngest,
  ) {
    if (durable !== undefined) this.staging = Promise.resolve(durable.staging);
  }

  /** A sink writing a new version of `disk`, starting from an empty disk. */
  static async open(store: BlockStore, tenant: TenantId, disk: DiskId): Promise<BlockStoreSink> {
    return new BlockStoreSink(store, tenant, await store.openWriter(tenant, disk, { base: null, size: 0 }));
  }

  /** Like {@link open}, but resumable after a restart: see {@link ingestId} and {@link resume}. */
  static async startResumable(store: BlockStore & DurableIngestStore, tenant: TenantId, disk: DiskId): Promise<BlockStoreSink> {
    const durable = await store.startDurableIngest(tenant, disk);
    return new BlockStoreSink(store, tenant, durable.writer, durable);
  }

  /**
   * Opens again a resumable sink, here or after a restart, with the checkpoint it last saved
   * (undefined if none: the upload starts over into the same version).
   */
  static async resume(
    store: BlockStore & DurableIngestStore,
    tenant: TenantId,
    ingestId: string,
  ): Promise<{ sink: BlockStoreSink; checkpoint: IngestCheckpoint | undefined }> {
    const durable = await store.resumeDurableIngest(tenant, ingestId);
    const sink = new BlockStoreSink(store, tenant, durable.writer, durable);
    const saved = savedSinkFrom(durable.saved);
    if (saved === null) return { sink, checkpoint: undefined };
    if (saved.size !== null) sink.size = saved.size;
    for (const [s, e] of saved.staged) sink.staged.add(s, e);
    return { sink, checkpoint: saved.ingest };
  }

  /** The id to resume a resumable sink by. */
  get ingestId(): string | undefined {
    return this.durable?.id;
  }

  /** The disk a resumable sink writes a version of. */
  get diskId(): string | undefined {
    return this.durable?.diskId;
  }

  /**
   * Stores `checkpoint` with everything written and staged so far, durably (ingest's
   * onCheckpoint), then lets go of the staged bytes released since the last one.
   */
  async saveCheckpoint(checkpoint: IngestCheckpoint): Promise<void> {
    this.ensureOpen();
    if (this.durable === undefined) throw new RavelError('ILLEGAL_STATE', 'this sink is not resumable');
    const saved: SavedSink = {
      ingest: checkpoint,
      size: this.size ?? null,
      staged: this.staged.all(),
    };
    await this.durable.save(saved);
    const released = this.deferred;
    this.deferred = [];
    const staging = await this.stagingArea();
    for (const [s, e] of released) await staging.release(s, e - s);
  }

  get virtualSize(): number | undefined {
    return this.size;
  }

  setVirtualSize(bytes: number): void {
    this.ensureOpen();
    if (this.size !== undefined && bytes < this.size) {
      throw new RavelError('INVALID_ARGUMENT', `virtual size may grow, not shrink below ${this.size}`);
    }
    if (!Number.isSafeInteger(bytes) || bytes < this.writer.size) {
      throw new RavelError('INVALID_ARGUMENT', `virtual size ${bytes} is below data already written`);
    }
    this.writer.setSize(bytes);
    this.size = bytes;
  }

  write(logicalOffset: number, data: Uint8Array): Promise<void> {
    this.ensureOpen();
    // Before the size is known, the disk grows to hold what is written.
    const end = logicalOffset + data.length;
    if (this.size === undefined && Number.isSafeInteger(end) && end > this.writer.size) this.writer.setSize(end);
    return this.writer.write(logicalOffset, data);
  }

  readLogical(logicalOffset: number, length: number): Promise<Uint8Array> {
    this.ensureOpen();
    return this.writer.read(logicalOffset, length);
  }

  async stage(uploadOffset: number, data: Uint8Array): Promise<void> {
    this.ensureOpen();
    await (await this.stagingArea()).write(uploadOffset, data);
    this.staged.add(uploadOffset, uploadOffset + data.length);
  }

  async readStaged(uploadOffset: number, length: number): Promise<Uint8Array> {
    this.ensureOpen();
    if (!this.staged.covers(uploadOffset, uploadOffset + length)) {
      throw new RavelError('INVALID_ARGUMENT', `${uploadOffset}+${length} was not staged`, {
        details: { uploadOffset, length },
      });
    }
    return (await this.stagingArea()).read(uploadOffset, length);
  }

  async releaseStaged(uploadOffset: number, length: number): Promise<void> {
    this.ensureOpen();
    this.staged.remove(uploadOffset, uploadOffset + length);
    if (this.durable !== undefined) this.deferred.push([uploadOffset, uploadOffset + length]);
    else if (this.staging !== undefined) await (await this.staging).release(uploadOffset, length);
  }

  /** Commits the version and drops the staging area. */
  async finish(): Promise<VersionInfo> {
    this.ensureOpen();
    this.done = true;
    if (this.durable !== undefined) return this.durable.commit();
    try {
      return await this.writer.commit();
    } finally {
      await this.dropStaging();
    }
  }

  /** Drops the version and the staging area; their blocks are collected. */
  async fail(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.durable !== undefined) return this.durable.abort();
    try {
      await this.writer.abort();
    } finally {
      await this.dropStaging();
    }
  }

  private stagingArea(): Promise<StagingArea> {
    this.staging ??= this.store.openStaging(this.tenant);
    return this.staging;
  }

  private async dropStaging(): Promise<void> {
    if (this.staging !== undefined) await (await this.staging).discard();
  }

  private ensureOpen(): void {
    if (this.done) throw new RavelError('ILLEGAL_STATE', 'the ingest has finished');
  }
}

/** Runs a decoder into a new version of `disk`: commits if it succeeds, leaves nothing if it throws. */
export async function ingestInto(
  store: BlockStore,
  tenant: TenantId,
  disk: DiskId,
  decode: (sink: DiskSink) => Promise<void>,
): Promise<VersionInfo> {
  const sink = await BlockStoreSink.open(store, tenant, disk);
  try {
    await decode(sink);
  } catch (e) {
    await sink.fail();
    throw e;
  }
  return sink.finish();
}
