/** The image service in the process that owns the store: a BlockStore and an ImageCatalog. */
import { randomBytes } from 'node:crypto';
import { isRavelError, RavelError } from '../../core/errors.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { BlockStore, TenantUsage, VersionInfo } from '../block-store.ts';
import { ImageCatalog, notFound, type ImageRecord } from './image-catalog.ts';
import {
  checked,
  CloneVersion,
  CreateImage,
  ImageName,
  ImageRef,
  OpenWriter,
  RangeList,
  ReadBlocks,
  TenantOnly,
  VersionRef,
  WriterRef,
} from './image-requests.ts';
import type {
  Block,
  BlockRange,
  CloneRequest,
  CreateImageRequest,
  ImageInfo,
  ImageService,
  ImageStoreInfo,
  OpenWriterRequest,
} from './image-service.ts';
import { isZero, WriterSession } from './writer-session.ts';

export interface LocalImageServiceOptions {
  readonly store: BlockStore;
  /** Where the catalog of image records lives (an LMDB directory of its own). */
  readonly catalogPath: string;
  readonly clock?: Clock;
  /** A writer silent this long is aborted. Default 60 s. */
  readonly writerLeaseMs?: number;
  /** Largest message the bus carries (NATS's default max_payload is 1 MiB). */
  readonly maxPayloadBytes?: number;
}

/** Room left in a message for everything but block bytes (ids, indexes, framing). */
const ENVELOPE_BYTES = 8 * 1024;

export class LocalImageService implements ImageService {
  readonly blockSize: number;
  readonly maxBlocksPerMessage: number;
  readonly leaseMs: number;
  private readonly store: BlockStore;
  private readonly catalog: ImageCatalog;
  private readonly clock: Clock;
  /** Open writers, and ended ones for one more lease (so a late call hears why). */
  private readonly writers = new Map<string, WriterSession>();

  constructor(options: LocalImageServiceOptions) {
    this.store = options.store;
    this.blockSize = options.store.blockSize;
    this.clock = options.clock ?? systemClock;
    this.leaseMs = options.writerLeaseMs ?? 60_000;
    const payload = options.maxPayloadBytes ?? 1024 * 1024;
    this.maxBlocksPerMessage = Math.floor((payload - ENVELOPE_BYTES) / this.blockSize);
    if (this.maxBlocksPerMessage < 1) {
      throw new RavelError('CONFIG_INVALID', `a block of ${this.blockSize} bytes does not fit a message of ${payload}`);
    }
    this.catalog = ImageCatalog.open(options.catalogPath);
  }

  async info(): Promise<ImageStoreInfo> {
    return { blockSize: this.blockSize, maxBlocksPerMessage: this.maxBlocksPerMessage };
  }

  async create(tenant: string, request: CreateImageRequest): Promise<ImageInfo> {
    const r = checked(CreateImage, { tenant, ...request });
    const purpose = r.purpose ?? 'disk';
    const disk = await this.store.createDisk(tenant, { purpose });
    const w = await this.store.openWriter(tenant, disk.id, { base: null, size: r.virtualSize });
    const head = await w.commit();
    const rec: ImageRecord = {
      id: disk.id,
      name: r.name,
      purpose,
      format: 'raw',
      storedSize: 0,
      sha256: null,
      createdAt: disk.createdAt,
    };
    await this.catalog.put(tenant, rec);
    return this.describe(tenant, rec, head);
  }

  async list(tenant: string): Promise<ImageInfo[]> {
    checked(TenantOnly, { tenant });
    return Promise.all(this.catalog.list(tenant).map((rec) => this.describe(tenant, rec)));
  }

  async get(tenant: string, image: string): Promise<ImageInfo> {
    checked(ImageRef, { tenant, image });
    return this.describe(tenant, this.catalog.get(tenant, image));
  }

  async findByName(tenant: string, name: string): Promise<ImageInfo | null> {
    checked(ImageName, { tenant, name });
    const rec = this.catalog.findByName(tenant, name);
    return rec === undefined ? null : this.describe(tenant, rec);
  }

  async delete(tenant: string, image: string): Promise<void> {
    checked(ImageRef, { tenant, image });
    this.catalog.get(tenant, image);
    await this.store.deleteDisk(tenant, image);
    await this.catalog.remove(tenant, image);
  }

  async listVersions(tenant: string, image: string): Promise<VersionInfo[]> {
    checked(ImageRef, { tenant, image });
    this.catalog.get(tenant, image);
    return this.store.listVersions(tenant, image);
  }

  async *readBlocks(tenant: string, version: string, ranges: readonly BlockRange[]): AsyncIterable<Block> {
    checked(VersionRef, { tenant, version });
    checked(RangeList, ranges);
    const blocks = await this.blockCount(tenant, version);
    for (const r of ranges) inside(r.first, r.count, blocks);
    for (const r of ranges) {
      for (let i = r.first; i < r.first + r.count; i++) {
        const data = await this.store.readBlock(tenant, version, i);
        yield { index: i, data: isZero(data) ? null : data };
      }
    }
  }

  /** One bounded batch of blocks, as a read reply carries it: zero blocks as null. */
  async readBatch(tenant: string, version: string, first: number, count: number): Promise<Array<Uint8Array | null>> {
    checked(ReadBlocks, { tenant, version, first, count });
    if (count > this.maxBlocksPerMessage) {
      throw new RavelError('INVALID_ARGUMENT', `at most ${this.maxBlocksPerMessage} blocks per read`);
    }
    inside(first, count, await this.blockCount(tenant, version));
    const out: Array<Uint8Array | null> = [];
    for (let i = first; i < first + count; i++) {
      const data = await this.store.readBlock(tenant, version, i);
      out.push(isZero(data) ? null : data);
    }
    return out;
  }

  async openWriter(tenant: string, image: string, request: OpenWriterRequest = {}): Promise<WriterSession> {
    const r = checked(OpenWriter, { tenant, image, ...request });
    this.catalog.get(tenant, image);
    const writer = await this.store.openWriter(tenant, image, {
      ...(r.base === undefined ? {} : { base: r.base }),
      ...(r.size === undefined ? {} : { size: r.size }),
    });
    const session = new WriterSession({
      writerId: `w_${randomBytes(12).toString('base64url')}`,
      tenant,
      imageId: image,
      writer,
      blockSize: this.blockSize,
      leaseMs: this.leaseMs,
      clock: this.clock,
      onCommit: (_v, written) =>
        this.catalog.update(tenant, image, (rec) => ({ ...rec, storedSize: rec.storedSize + written * this.blockSize })),
      onEnd: (s) => {
        this.clock.setTimeout(() => this.writers.delete(s.writerId), this.leaseMs);
      },
    });
    this.writers.set(session.writerId, session);
    return session;
  }

  /** An open (or recently ended) writer of the tenant, for calls that name it by id. */
  writer(tenant: string, writer: string): WriterSession {
    checked(WriterRef, { tenant, writer });
    const s = this.writers.get(writer);
    if (s === undefined || s.tenant !== tenant) throw notFound('writer', writer);
    return s;
  }

  async snapshot(tenant: string, version: string): Promise<VersionInfo> {
    checked(VersionRef, { tenant, version });
    return this.store.snapshot(tenant, version);
  }

  async clone(tenant: string, version: string, request: CloneRequest): Promise<ImageInfo> {
    const r = checked(CloneVersion, { tenant, version, ...request });
    const purpose = r.purpose ?? 'disk';
    const source = await this.store.getVersion(tenant, version);
    const made = purpose === 'image' ? await this.store.saveAsImage(tenant, version) : await this.store.clone(tenant, version);
    const from = this.catalog.find(tenant, source.diskId);
    const rec: ImageRecord = {
      id: made.diskId,
      name: r.name,
      purpose,
      format: from?.format ?? 'raw',
      storedSize: 0,
      // A clone reads exactly as its source, so the source's hash still holds.
      sha256: from?.sha256?.version === version ? { version: made.id, hex: from.sha256.hex } : null,
      createdAt: made.createdAt,
    };
    await this.catalog.put(tenant, rec);
    return this.describe(tenant, rec, made);
  }

  async usage(tenant: string): Promise<TenantUsage> {
    checked(TenantOnly, { tenant });
    return this.store.usage(tenant);
  }

  /**
   * Creates the service and reconciles its catalog with the store (see {@link recover}); what
   * a node should use at start.
   */
  static async open(options: LocalImageServiceOptions): Promise<LocalImageService> {
    const service = new LocalImageService(options);
    try {
      await service.recover();
    } catch (e) {
      await service.close();
      throw e;
    }
    return service;
  }

  /**
   * Reconciles the catalog with the store after a crash. The store commits an image's disk
   * before the catalog records it (two LMDB environments, no shared transaction), so a
   * process that died in between left a disk no record names: never visible (every call goes
   * through the catalog), it is deleted here and its blocks are collected by the store's
   * maintenance. A record whose disk is gone (a delete cut short) is removed. Run once at
   * start, before serving: a disk being imported has no record yet either. A disk a resumable
   * ingest of the store still writes (an upload interrupted by the restart) is kept for it.
   */
  async recover(): Promise<{ readonly orphanDisks: number; readonly staleRecords: number }> {
    let orphanDisks = 0;
    let staleRecords = 0;
    const store = this.store;
    for (const tenant of await store.listTenants()) {
      const ingesting = new Set(hasDurableIngests(store) ? (await store.listDurableIngests(tenant)).map((i) => i.diskId) : []);
      for (const disk of await store.listDisks(tenant)) {
        if (this.catalog.find(tenant, disk.id) !== undefined || ingesting.has(disk.id)) continue;
        await this.store.deleteDisk(tenant, disk.id);
        orphanDisks++;
      }
    }
    for (const { tenant, rec } of this.catalog.all()) {
      const there = await this.store.getDisk(tenant, rec.id).then(
        () => true,
        (e: unknown) => !isRavelError(e, 'NOT_FOUND'),
      );
      if (there) continue;
      await this.catalog.remove(tenant, rec.id);
      staleRecords++;
    }
    return { orphanDisks, staleRecords };
  }

  /** Drops the record of an image whose import failed, if it was written. */
  async forget(tenant: string, image: string): Promise<void> {
    if (this.catalog.find(tenant, image) !== undefined) await this.catalog.remove(tenant, image);
  }

  /** Records an image whose disk was filled in this process (by an import, see image-import.ts). */
  async record(tenant: string, rec: ImageRecord): Promise<ImageInfo> {
    await this.catalog.put(tenant, rec);
    return this.describe(tenant, rec);
  }

  /** Closes the catalog; the store belongs to the caller. Open writers are aborted. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.writers.values()].filter((s) => s.state.status === 'open').map((s) => s.abort()));
    this.writers.clear();
    await this.catalog.close();
  }

  private async describe(tenant: string, rec: ImageRecord, knownHead?: VersionInfo): Promise<ImageInfo> {
    const disk = await this.store.getDisk(tenant, rec.id);
    const head = disk.head === null ? null : knownHead?.id === disk.head ? knownHead : await this.store.getVersion(tenant, disk.head);
    return {
      id: rec.id,
      name: rec.name,
      purpose: rec.purpose,
      format: rec.format,
      virtualSize: head?.size ?? 0,
      storedSize: rec.storedSize,
      sha256: rec.sha256 !== null && rec.sha256.version === head?.id ? rec.sha256.hex : null,
      head: head?.id ?? null,
      createdAt: rec.createdAt,
    };
  }

  private async blockCount(tenant: string, version: string): Promise<number> {
    const v = await this.store.getVersion(tenant, version);
    return Math.ceil(v.size / this.blockSize);
  }
}

function inside(first: number, count: number, blocks: number): void {
  if (first + count > blocks) {
    throw new RavelError('INVALID_ARGUMENT', `blocks ${first}+${count} lie outside the version (${blocks} blocks)`, {
      details: { first, count, blocks },
    });
  }
}

/** A store that keeps resumable ingests across a restart (the LMDB store). */
function hasDurableIngests(
  store: BlockStore,
): store is BlockStore & { listDurableIngests(tenant: string): Promise<ReadonlyArray<{ readonly diskId: string }>> } {
  return typeof (store as Partial<Record<'listDurableIngests', unknown>>).listDurableIngests === 'function';
}
