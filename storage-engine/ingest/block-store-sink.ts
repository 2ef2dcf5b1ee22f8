/**
 * The DiskSink that decoders write into: a new version of a disk in the block store, with
 * staged upload bytes kept as blocks in a staging area of the same tenant (so placing them
 * later dedups against what was staged). finish() commits the version; fail() leaves nothing.
 */
import { RavelError } from '../../core/errors.ts';
import type { BlockStore, DiskId, StagingArea, TenantId, VersionInfo, VersionWriter } from '../block-store.ts';
import type { DiskSink } from './disk-sink.ts';

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
}

export class BlockStoreSink implements DiskSink {
  private size: number | undefined;
  private staging: Promise<StagingArea> | undefined;
  private readonly staged = new RangeSet();
  private done = false;

  private constructor(
    private readonly store: BlockStore,
    private readonly tenant: TenantId,
    private readonly writer: VersionWriter,
  ) {}

  /** A sink writing a new version of `disk`, starting from an empty disk. */
  static async open(store: BlockStore, tenant: TenantId, disk: DiskId): Promise<BlockStoreSink> {
    return new BlockStoreSink(store, tenant, await store.openWriter(tenant, disk, { base: null, size: 0 }));
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
    if (this.staging !== undefined) await (await this.staging).release(uploadOffset, length);
  }

  /** Commits the version and drops the staging area. */
  async finish(): Promise<VersionInfo> {
    this.ensureOpen();
    this.done = true;
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
