/**
 * The layout of the block store in one LMDB environment, and the one place writes go
 * through (so tests can count the keys an operation writes).
 *
 *   meta      'format'                  -> MetaRecord
 *   tenants   tenantId                  -> TenantRecord (keyed-hash secret, usage counters)
 *   disks     [tenantNum, diskId]       -> DiskRecord
 *   versions  [tenantNum, versionId]    -> VersionRecord
 *   heads     [tenantNum, diskId, seq]  -> versionId     (visible versions of a disk, in order)
 *   maps      [versionNum, blockIndex]  -> 32-byte block key, or ZERO_MARK over a non-zero base
 *   blocks    tenantNum(4) + key(32)    -> block bytes
 *   refs      tenantNum(4) + key(32)    -> number of map entries naming the block
 *   orphans   tenantNum(4) + key(32)    -> true while refs is 0 (what the collector visits)
 *   ingests   [tenantNum, ingestId]     -> IngestRecord (a resumable ingest: its two building versions)
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import type { DiskPurpose, VersionOrigin } from '../block-store.ts';

export interface MetaRecord {
  formatVersion: 1;
  blockSize: number;
  nextTenantNum: number;
  nextVersionNum: number;
}

export interface TenantRecord {
  num: number;
  /** The secret of the tenant's keyed hash. */
  secret: Uint8Array;
  logicalBytes: number;
  storedBytes: number;
  storedBlocks: number;
  versions: number;
  nextSeq: number;
}

export interface DiskRecord {
  id: string;
  purpose: DiskPurpose;
  createdAt: number;
}

/**
 * building: a writer's version (or a staging area), invisible; purged on restart.
 * committed: visible. deleted: invisible, kept for the versions built on it.
 * purging: invisible, its map is being removed.
 */
export type VersionState = 'building' | 'committed' | 'deleted' | 'purging';

export interface VersionRecord {
  num: number;
  id: string;
  /** null for a staging area. */
  diskId: string | null;
  state: VersionState;
  origin: VersionOrigin | 'staging';
  /** The version it was made from (informational; may be gone). */
  parentId: string | null;
  /** Where reads go for what the map does not hold; flattening sets it to null. */
  baseId: string | null;
  /** Versions whose baseId is this one. */
  children: number;
  size: number;
  createdAt: number;
  /** Order within the disk's visible versions; 0 until committed. */
  seq: number;
}

/**
 * A resumable ingest: the disk version it builds and the staging area it stages into (both
 * kept 'building' across restarts while this record names them), and the caller's last
 * checkpoint, written in one transaction after everything it refers to is in LMDB.
 */
export interface IngestRecord {
  id: string;
  diskId: string;
  versionId: string;
  stagingId: string;
  checkpoint: unknown;
  createdAt: number;
}

export const ZERO_MARK = new Uint8Array([0]);
export const KEY_BYTES = 32;

export type MapKey = [number, number];
export type TenantKey = [number, string];

export class Tables {
  readonly env: RootDatabase;
  readonly meta: Database<MetaRecord, string>;
  readonly tenants: Database<TenantRecord, string>;
  readonly disks: Database<DiskRecord, TenantKey>;
  readonly versions: Database<VersionRecord, TenantKey>;
  readonly heads: Database<string, [number, string, number]>;
  readonly maps: Database<Buffer, MapKey>;
  readonly blocks: Database<Buffer, Buffer>;
  readonly refs: Database<number, Buffer>;
  readonly orphans: Database<boolean, Buffer>;
  readonly ingests: Database<IngestRecord, TenantKey>;
  /** Keys put or removed through this object since it was opened. */
  keysWritten = 0;

  constructor(path: string) {
    this.env = open({ path, maxDbs: 12, compression: false });
    this.meta = this.env.openDB({ name: 'meta' });
    this.tenants = this.env.openDB({ name: 'tenants' });
    this.disks = this.env.openDB({ name: 'disks' });
    this.versions = this.env.openDB({ name: 'versions' });
    this.heads = this.env.openDB({ name: 'heads' });
    this.maps = this.env.openDB({ name: 'maps', encoding: 'binary' });
    this.blocks = this.env.openDB({ name: 'blocks', encoding: 'binary', keyEncoding: 'binary' });
    this.refs = this.env.openDB({ name: 'refs', keyEncoding: 'binary' });
    this.orphans = this.env.openDB({ name: 'orphans', keyEncoding: 'binary' });
    this.ingests = this.env.openDB({ name: 'ingests' });
  }

  /** Inside a transaction callback only: the put is part of that transaction. */
  put<V, K extends Parameters<Database['get']>[0]>(db: Database<V, K>, key: K, value: V): void {
    this.keysWritten++;
    void db.put(key, value);
  }

  remove<V, K extends Parameters<Database['get']>[0]>(db: Database<V, K>, key: K): void {
    this.keysWritten++;
    void db.remove(key);
  }

  /**
   * Runs fn atomically in a write transaction; if it throws, nothing it wrote is kept.
   * Resolves when committed, not yet when flushed: see {@link durable}.
   */
  txn<T>(fn: () => T): Promise<T> {
    return this.env.childTransaction(fn);
  }

  /**
   * Resolves when everything committed so far is on disk. lmdb-js resolves writes at commit
   * and syncs afterwards (overlappingSync), so acknowledging anything durable waits here.
   */
  async durable(): Promise<void> {
    await this.env.flushed;
  }

  /** A consistent snapshot for reads that span several keys. */
  snapshot<T>(fn: (transaction: ReturnType<RootDatabase['useReadTransaction']>) => T): T {
    const t = this.env.useReadTransaction();
    try {
      return fn(t);
    } finally {
      t.done();
    }
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}

export function blockId(tenantNum: number, key: Uint8Array): Buffer {
  const id = Buffer.allocUnsafe(4 + KEY_BYTES);
  id.writeUInt32BE(tenantNum, 0);
  id.set(key, 4);
  return id;
}

export function tenantOfBlockId(id: Uint8Array): number {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).readUInt32BE(0);
}
