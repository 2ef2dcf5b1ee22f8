/**
 * Resumable ingests: a version being written and the staging area beside it that outlive the
 * process, with the caller's checkpoint of how far the upload got. Without one, a restart
 * purges both (they are 'building'); with one, the ingest record keeps them, and `save` writes
 * the checkpoint in one transaction once every write made before it is in LMDB, so a kill -9
 * at any moment leaves the old checkpoint or the new one, each with what it refers to.
 */
import { RavelError } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import type { StagingArea, VersionInfo, VersionWriter } from '../block-store.ts';
import { BuildingVersion, type EngineParts } from './building-version.ts';
import type { Catalog } from './catalog.ts';
import type { TenantRef } from './chain-reader.ts';
import { StagingAreaImpl } from './staging-area.ts';
import type { IngestRecord, Tables, VersionRecord } from './tables.ts';

/** One resumable ingest, opened new or again after a restart. */
export interface DurableIngest {
  readonly id: string;
  readonly diskId: string;
  readonly writer: VersionWriter;
  readonly staging: StagingArea;
  /** The checkpoint last saved, or null before the first. */
  readonly saved: unknown;
  /**
   * Makes everything written and staged so far durable together with `checkpoint` (plain
   * JSON data). Resolves once it is on disk; nothing may be written meanwhile.
   */
  save(checkpoint: unknown): Promise<void>;
  /** Commits the version (the record goes in the same transaction) and drops the staging area. */
  commit(): Promise<VersionInfo>;
  /** Drops the record, the version and the staging area. */
  abort(): Promise<void>;
}

/** What the store lends the ingests: its parts, and how it builds writers and drops versions. */
export interface DurableIngestHost {
  readonly parts: EngineParts;
  readonly catalog: Catalog;
  readonly clock: Clock;
  writer(t: TenantRef, b: BuildingVersion, inCommit: () => void): VersionWriter;
  drop(t: TenantRef, b: BuildingVersion): Promise<void>;
}

export class DurableIngests {
  /** Ingests open in this process: one handle each, so two cannot write the same versions. */
  private readonly open = new Set<string>();

  constructor(private readonly host: DurableIngestHost) {}

  private get tables(): Tables {
    return this.host.parts.tables;
  }

  /**
   * At open: drops records whose versions are gone (a commit that failed), and answers the
   * ids of the versions the others keep across the restart.
   */
  async recover(): Promise<Set<string>> {
    const ids = new Set<string>();
    await this.tables.txn(() => {
      for (const { key, value } of this.tables.ingests.getRange({})) {
        const building = (id: string): boolean => this.tables.versions.get([key[0], id])?.state === 'building';
        if (building(value.versionId) && building(value.stagingId)) {
          ids.add(value.versionId);
          ids.add(value.stagingId);
        } else {
          this.tables.remove(this.tables.ingests, key);
        }
      }
    });
    await this.tables.durable();
    return ids;
  }

  async start(t: TenantRef, diskId: string): Promise<DurableIngest> {
    const rec = await this.tables.txn(() => {
      this.host.catalog.disk(t, diskId);
      const version = this.host.catalog.createVersion(t, { diskId, base: null, size: 0, origin: 'write' }, 'building');
      const staging = this.host.catalog.createVersion(
        t,
        { diskId: null, base: null, size: Number.MAX_SAFE_INTEGER, origin: 'staging' },
        'building',
      );
      const id = 'i_' + version.id.slice(2);
      const ingest: IngestRecord = {
        id,
        diskId,
        versionId: version.id,
        stagingId: staging.id,
        checkpoint: null,
        createdAt: this.host.clock.now(),
      };
      this.tables.put(this.tables.ingests, [t.num, id], ingest);
      return ingest;
    });
    await this.tables.durable();
    return this.handle(t, rec);
  }

  async resume(t: TenantRef, id: string): Promise<DurableIngest> {
    const rec = typeof id === 'string' ? this.tables.ingests.get([t.num, id]) : undefined;
    if (rec === undefined) throw new RavelError('NOT_FOUND', `ingest ${id} not found`, { details: { ingest: id } });
    return this.handle(t, rec);
  }

  /** The tenant's resumable ingests, for a caller that lost track of them. */
  list(t: TenantRef): IngestRecord[] {
    return [...this.tables.ingests.getRange({ start: [t.num], end: [t.num + 1] })].map((e) => e.value);
  }

  private handle(t: TenantRef, rec: IngestRecord): DurableIngest {
    if (this.open.has(rec.id)) throw new RavelError('ILLEGAL_STATE', `ingest ${rec.id} is already open`);
    const building = (versionId: string): BuildingVersion => {
      const v = this.tables.versions.get([t.num, versionId]);
      if (v?.state !== 'building') throw new RavelError('CORRUPT', `ingest ${rec.id} lost its version ${versionId}`);
      return new BuildingVersion(this.host.parts, t, v);
    };
    const version = building(rec.versionId);
    const staged = building(rec.stagingId);
    this.open.add(rec.id);
    const key: [number, string] = [t.num, rec.id];
    const forget = (): void => void this.open.delete(rec.id);
    const writer = this.host.writer(t, version, () => this.tables.remove(this.tables.ingests, key));
    const staging = new StagingAreaImpl(staged, (b) => this.host.drop(t, b));
    return {
      id: rec.id,
      diskId: rec.diskId,
      writer,
      staging,
      saved: rec.checkpoint,
      save: async (checkpoint) => {
        // Everything queued before the checkpoint reaches LMDB first; LMDB keeps commits in
        // order, so the checkpoint's transaction on disk means what it refers to is too.
        await version.inOrder(() => version.drain());
        await staged.inOrder(() => staged.drain());
        await this.tables.txn(() => {
          const current = this.tables.ingests.get(key);
          const v = this.tables.versions.get([t.num, rec.versionId]);
          if (current === undefined || v?.state !== 'building') throw new RavelError('ILLEGAL_STATE', `ingest ${rec.id} has ended`);
          this.tables.put(this.tables.ingests, key, { ...current, checkpoint });
          this.tables.put(this.tables.versions, [t.num, v.id], {
            ...v,
            size: version.size,
          } satisfies VersionRecord);
        });
        await this.tables.durable();
      },
      commit: async () => {
        try {
          const info = await writer.commit();
          await staging.discard();
          return info;
        } finally {
          forget();
        }
      },
      abort: async () => {
        forget();
        await this.tables.txn(() => this.tables.remove(this.tables.ingests, key));
        await this.tables.durable();
        await writer.abort();
        await staging.discard();
      },
    };
  }
}
