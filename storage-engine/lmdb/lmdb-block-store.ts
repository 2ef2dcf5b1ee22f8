/** The BlockStore on LMDB. One process owns a store directory at a time. */
import { RavelError, toRavelError } from '../../core/errors.ts';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.ts';
import type {
  BlockStore,
  DiskInfo,
  DiskPurpose,
  MaintenanceReport,
  OpenWriterOptions,
  StagingArea,
  TenantUsage,
  VersionInfo,
  VersionWriter,
} from '../block-store.ts';
import { BlockRefs } from './block-refs.ts';
import { BuildingVersion, type EngineHooks, type EngineParts } from './building-version.ts';
import { Catalog, versionInfo } from './catalog.ts';
import { ArenaPool } from './block-arenas.ts';
import { ChainReader, type TenantRef } from './chain-reader.ts';
import { Maintenance } from './maintenance.ts';
import { StagingAreaImpl } from './staging-area.ts';
import { Tables, type VersionRecord } from './tables.ts';
import { VersionWriterImpl } from './version-writer.ts';
import { DurableIngests, type DurableIngest } from './durable-ingest.ts';

/**
 * 64 KiB, chosen by measurement (storage-engine/lmdb/bench/block-store.bench.ts, 2 cores,
 * one run): store writes of mixed content ran at 705 MB/s (64 KiB), 399 (256 KiB) and 220
 * (1 MiB), since writes are batched so larger blocks no longer win; a scattered 4 KiB guest
 * write costs 64 KiB in a snapshot instead of 256 KiB or 1 MiB; the block map costs about
 * 1 MiB per GiB of disk, cheap enough; and 64 KiB is the qcow2 cluster and VMDK grain size,
 * so decoded images align to it.
 */
export const DEFAULT_BLOCK_SIZE = 64 * 1024;

export interface LmdbBlockStoreOptions {
  readonly path: string;
  /** Bytes per block of a new store (a power of two, 4 KiB to 4 MiB); an existing store keeps its own. */
  readonly blockSize?: number;
  /** Chains longer than this are flattened in the background. */
  readonly maxChainDepth?: number;
  readonly clock?: Clock;
  /** How often background maintenance runs; 0 runs it only when asked. */
  readonly maintenanceIntervalMs?: number;
  readonly hooks?: EngineHooks;
}

export async function openLmdbBlockStore(options: LmdbBlockStoreOptions): Promise<LmdbBlockStore> {
  const tables = new Tables(options.path);
  try {
    const wanted = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    if (!Number.isInteger(Math.log2(wanted)) || wanted < 4096 || wanted > 4 * 1024 * 1024) {
      throw new RavelError('INVALID_ARGUMENT', `block size ${wanted} is not a power of two from 4 KiB to 4 MiB`);
    }
    await tables.txn(() => {
      if (!tables.meta.doesExist('format')) {
        tables.put(tables.meta, 'format', { formatVersion: 1, blockSize: wanted, nextTenantNum: 1, nextVersionNum: 1 });
      }
    });
    await tables.durable();
    const meta = tables.meta.get('format');
    if (meta?.formatVersion !== 1) throw new RavelError('CORRUPT', 'unknown block store format');
    if (options.blockSize !== undefined && options.blockSize !== meta.blockSize) {
      throw new RavelError('INVALID_ARGUMENT', `store has blocks of ${meta.blockSize}, not ${options.blockSize}`);
    }
    const store = new LmdbBlockStore(tables, meta.blockSize, options);
    await store.recover();
    return store;
  } catch (e) {
    await tables.close();
    throw e;
  }
}

export class LmdbBlockStore implements BlockStore {
  private readonly parts: EngineParts;
  private readonly catalog: Catalog;
  private readonly maintenance: Maintenance;
  private readonly ingests: DurableIngests;
  private readonly clock: Clock;
  private readonly maxDepth: number;
  private readonly intervalMs: number;
  private work: Promise<unknown> = Promise.resolve();
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(
    readonly tables: Tables,
    readonly blockSize: number,
    options: LmdbBlockStoreOptions,
  ) {
    const refs = new BlockRefs(tables, blockSize);
    this.parts = { tables, refs, reader: new ChainReader(tables, blockSize), blockSize, hooks: options.hooks ?? {}, arenas: new ArenaPool(blockSize) };
    this.clock = options.clock ?? systemClock;
    this.catalog = new Catalog(tables, this.clock);
    this.maintenance = new Maintenance(tables, refs, blockSize);
    this.maxDepth = options.maxChainDepth ?? 16;
    this.intervalMs = options.maintenanceIntervalMs ?? 30_000;
    this.ingests = new DurableIngests({
      parts: this.parts,
      catalog: this.catalog,
      clock: this.clock,
      writer: (t, b, inCommit) => this.writerFor(t, b, inCommit),
      drop: (t, b) => this.drop(t, b),
    });
    this.arm(this.intervalMs);
  }

  /** Drops what a crash left half-done: versions being written or purged, but resumable ingests. */
  async recover(): Promise<void> {
    await this.exclusive(async () => {
      const kept = await this.ingests.recover();
      for (const v of this.maintenance.purging(true, kept)) await this.maintenance.purge(v.tenantNum, v.id);
    });
  }

  /**
   * Starts an ingest into a new version of `disk` (from an empty disk) that can be resumed
   * after a restart from the checkpoint it last saved: see durable-ingest.ts.
   */
  async startDurableIngest(tenant: string, disk: string): Promise<DurableIngest> {
    this.ensureOpen();
    return this.ingests.start(this.catalog.known(tenant, 'disk', disk), disk);
  }

  /** Opens again an ingest started by {@link startDurableIngest}, here or before a restart. */
  async resumeDurableIngest(tenant: string, ingest: string): Promise<DurableIngest> {
    this.ensureOpen();
    return this.ingests.resume(this.catalog.known(tenant, 'ingest', ingest), ingest);
  }

  /** The tenant's ingests that can be resumed: ids, disks and whether a checkpoint was saved. */
  listDurableIngests(tenant: string): Promise<Array<{ id: string; diskId: string; checkpointed: boolean }>> {
    return this.now(() => {
      const t = this.catalog.tenant(tenant);
      if (t === undefined) return [];
      return this.ingests.list(t).map((r) => ({ id: r.id, diskId: r.diskId, checkpointed: r.checkpoint !== null }));
    });
  }

  async createDisk(tenant: string, options: { purpose?: DiskPurpose } = {}): Promise<DiskInfo> {
    this.ensureOpen();
    const t = await this.catalog.ensureTenant(tenant);
    const id = await this.tables.txn(() => this.catalog.createDisk(t, options.purpose ?? 'disk'));
    await this.tables.durable();
    return this.catalog.disk(t, id);
  }

  getDisk(tenant: string, disk: string): Promise<DiskInfo> {
    return this.now(() => this.catalog.disk(this.catalog.known(tenant, 'disk', disk), disk));
  }

  listDisks(tenant: string): Promise<DiskInfo[]> {
    return this.now(() => {
      const t = this.catalog.tenant(tenant);
      if (t === undefined) return [];
      const ids = [...this.tables.disks.getKeys({ start: [t.num], end: [t.num + 1] })].map((k) => k[1]);
      return ids.map((id) => this.catalog.disk(t, id));
    });
  }

  listTenants(): Promise<string[]> {
    return this.now(() => [...this.tables.tenants.getKeys()]);
  }

  async deleteDisk(tenant: string, disk: string): Promise<void> {
    this.ensureOpen();
    const t = this.catalog.known(tenant, 'disk', disk);
    await this.tables.txn(() => {
      this.catalog.disk(t, disk);
      for (const id of this.catalog.visibleIds(t, disk)) this.catalog.hide(t, this.catalog.visible(t, id));
      this.tables.remove(this.tables.disks, [t.num, disk]);
    });
    await this.tables.durable();
    this.kick();
  }

  async openWriter(tenant: string, disk: string, options: OpenWriterOptions = {}): Promise<VersionWriter> {
    this.ensureOpen();
    const t = this.catalog.known(tenant, 'disk', disk);
    const rec = await this.tables.txn(() => {
      const head = this.catalog.disk(t, disk).head;
      const baseId = options.base === undefined ? head : options.base;
      const base = baseId === null ? null : this.catalog.visible(t, baseId);
      const size = options.size ?? base?.size ?? 0;
      if (!Number.isSafeInteger(size) || size < (base?.size ?? 0)) {
        throw new RavelError('INVALID_ARGUMENT', `size ${size} is smaller than the base's ${base?.size ?? 0}`);
      }
      return this.catalog.createVersion(t, { diskId: disk, base, size, origin: 'write' }, 'building');
    });
    return this.writerFor(t, new BuildingVersion(this.parts, t, rec));
  }

  /** The writer of a building version; `inCommit` runs inside the commit's transaction. */
  private writerFor(t: TenantRef, building: BuildingVersion, inCommit?: () => void): VersionWriter {
    return new VersionWriterImpl(building, {
      commit: async (b) => {
        const committed = await this.tables.txn(() => {
          const current = this.tables.versions.get([t.num, b.record.id]);
          if (current?.state !== 'building') throw new RavelError('ILLEGAL_STATE', 'the version is no longer being built');
          inCommit?.();
          return this.catalog.publish(t, { ...current, size: b.size });
        });
        await this.tables.durable();
        this.kickIfDeep(t, committed);
        return versionInfo(committed);
      },
      abort: (b) => this.drop(t, b),
    });
  }

  getVersion(tenant: string, version: string): Promise<VersionInfo> {
    return this.now(() => versionInfo(this.catalog.visible(this.catalog.known(tenant, 'version', version), version)));
  }

  listVersions(tenant: string, disk: string): Promise<VersionInfo[]> {
    return this.now(() => {
      const t = this.catalog.known(tenant, 'disk', disk);
      this.catalog.disk(t, disk);
      return this.catalog.visibleIds(t, disk).map((id) => versionInfo(this.catalog.visible(t, id)));
    });
  }

  snapshot(tenant: string, version: string): Promise<VersionInfo> {
    return this.derive(tenant, version, 'snapshot');
  }

  clone(tenant: string, version: string): Promise<VersionInfo> {
    return this.derive(tenant, version, 'clone');
  }

  saveAsImage(tenant: string, version: string): Promise<VersionInfo> {
    return this.derive(tenant, version, 'image');
  }

  async deleteVersion(tenant: string, version: string): Promise<void> {
    this.ensureOpen();
    const t = this.catalog.known(tenant, 'version', version);
    await this.tables.txn(() => this.catalog.hide(t, this.catalog.visible(t, version)));
    await this.tables.durable();
    this.kick();
  }

  read(tenant: string, version: string, offset: number, length: number): Promise<Uint8Array> {
    return this.now(() => {
      const t = this.catalog.known(tenant, 'version', version);
      return this.parts.reader.range(t, this.catalog.visible(t, version), offset, length);
    });
  }

  readBlock(tenant: string, version: string, index: number): Promise<Uint8Array> {
    return this.now(() => {
      const t = this.catalog.known(tenant, 'version', version);
      return this.parts.reader.wholeBlock(t, this.catalog.visible(t, version), index);
    });
  }

  async openStaging(tenant: string): Promise<StagingArea> {
    this.ensureOpen();
    const t = await this.catalog.ensureTenant(tenant);
    const rec = await this.tables.txn(() =>
      this.catalog.createVersion(t, { diskId: null, base: null, size: Number.MAX_SAFE_INTEGER, origin: 'staging' }, 'building'),
    );
    return new StagingAreaImpl(new BuildingVersion(this.parts, t, rec), (b) => this.drop(t, b));
  }

  usage(tenant: string): Promise<TenantUsage> {
    return this.now(() => {
      const rec = this.tables.tenants.get(tenant);
      if (rec === undefined) return { logicalBytes: 0, storedBytes: 0, storedBlocks: 0, versions: 0 };
      const { logicalBytes, storedBytes, storedBlocks, versions } = rec;
      return { logicalBytes, storedBytes, storedBlocks, versions };
    });
  }

  maintain(): Promise<MaintenanceReport> {
    this.ensureOpen();
    return this.exclusive(async () => {
      let purged = 0;
      let flattened = 0;
      for (const v of this.maintenance.purging(false)) purged += await this.maintenance.purge(v.tenantNum, v.id);
      for (let deep = this.maintenance.tooDeep(this.maxDepth); deep[0] !== undefined; ) {
        if (await this.maintenance.flatten(deep[0].tenantNum, deep[0].id, 'chain')) flattened++;
        const next = this.maintenance.tooDeep(this.maxDepth);
        if (next[0]?.id === deep[0].id) break;
        deep = next;
      }
      // A deleted version with one child only holds blocks that child may not need: fold it in.
      for (let only = this.maintenance.onlyChildren(), rounds = 0; only.length > 0 && rounds < 64; rounds++) {
        for (const v of only) if (await this.maintenance.flatten(v.tenantNum, v.id, 'base')) purged++;
        only = this.maintenance.onlyChildren();
      }
      const collectedBlocks = await this.maintenance.collect();
      await this.tables.durable();
      return { flattened, purged, collectedBlocks };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    await this.work.catch(() => undefined);
    await this.tables.close();
  }

  private async derive(tenant: string, version: string, kind: 'snapshot' | 'clone' | 'image'): Promise<VersionInfo> {
    this.ensureOpen();
    const t = this.catalog.known(tenant, 'version', version);
    const rec = await this.tables.txn(() => {
      const parent = this.catalog.visible(t, version);
      const diskId = kind === 'snapshot' ? parent.diskId : this.catalog.createDisk(t, kind === 'image' ? 'image' : 'disk');
      return this.catalog.createVersion(t, { diskId, base: parent, size: parent.size, origin: kind }, 'committed');
    });
    await this.tables.durable();
    this.kickIfDeep(t, rec);
    return versionInfo(rec);
  }

  private async drop(t: TenantRef, b: BuildingVersion): Promise<void> {
    await this.tables.txn(() => {
      const rec = this.tables.versions.get([t.num, b.record.id]);
      if (rec?.state === 'building') this.tables.put(this.tables.versions, [t.num, rec.id], { ...rec, state: 'purging' });
    });
    await this.exclusive(() => this.maintenance.purge(t.num, b.record.id));
  }

  /** Background work runs one piece at a time: purges, flattening and collection never overlap. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.work.then(fn);
    this.work = run.catch(() => undefined);
    return run;
  }

  private arm(ms: number): void {
    if (this.closed || this.intervalMs <= 0) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.maintain().then(
        () => this.arm(this.intervalMs),
        () => this.arm(this.intervalMs),
      );
    }, ms);
  }

  /** Asks for a maintenance pass soon (after a change that may leave work). */
  private kick(): void {
    this.arm(0);
  }

  private kickIfDeep(t: TenantRef, rec: VersionRecord): void {
    const depth = this.tables.snapshot((tx) => this.parts.reader.chain(t, rec, tx).length - 1);
    if (depth > this.maxDepth) this.kick();
  }

  private now<T>(fn: () => T): Promise<T> {
    try {
      this.ensureOpen();
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(toRavelError(e));
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new RavelError('CLOSED', 'the block store is closed');
  }
}
