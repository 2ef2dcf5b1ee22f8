/**
 * Tenants, disks and version records: lookups that turn anything not visible to the caller
 * into NOT_FOUND, and the transactions that create, commit, derive and hide versions.
 */
import { randomBytes } from 'node:crypto';
import { RavelError } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import type { DiskInfo, DiskPurpose, VersionInfo } from '../block-store.ts';
import type { TenantRef } from './chain-reader.ts';
import type { MetaRecord, Tables, VersionRecord } from './tables.ts';

function newId(prefix: string): string {
  return prefix + randomBytes(12).toString('base64url');
}

function notFound(what: string, id: string): RavelError {
  return new RavelError('NOT_FOUND', `${what} ${id} not found`, { details: { [what]: id } });
}

export function versionInfo(rec: VersionRecord): VersionInfo {
  return {
    id: rec.id,
    diskId: rec.diskId ?? '',
    parent: rec.parentId,
    size: rec.size,
    origin: rec.origin === 'staging' ? 'write' : rec.origin,
    createdAt: rec.createdAt,
  };
}

export interface NewVersion {
  readonly diskId: string | null;
  readonly base: VersionRecord | null;
  readonly size: number;
  readonly origin: VersionRecord['origin'];
}

export class Catalog {
  private readonly tenantCache = new Map<string, TenantRef>();

  constructor(
    private readonly t: Tables,
    private readonly clock: Clock,
  ) {}

  /** The tenant, or undefined if it has never stored anything. */
  tenant(tenantId: string): TenantRef | undefined {
    const cached = this.tenantCache.get(tenantId);
    if (cached !== undefined) return cached;
    const rec = this.t.tenants.get(tenantId);
    if (rec === undefined) return undefined;
    const ref = { id: tenantId, num: rec.num, secret: Buffer.from(rec.secret) };
    this.tenantCache.set(tenantId, ref);
    return ref;
  }

  async ensureTenant(tenantId: string): Promise<TenantRef> {
    if (typeof tenantId !== 'string' || tenantId.length === 0) {
      throw new RavelError('INVALID_ARGUMENT', 'a tenant id is a non-empty string');
    }
    const known = this.tenant(tenantId);
    if (known !== undefined) return known;
    await this.t.txn(() => {
      if (this.t.tenants.doesExist(tenantId)) return;
      const meta = this.meta();
      this.t.put(this.t.meta, 'format', { ...meta, nextTenantNum: meta.nextTenantNum + 1 });
      this.t.put(this.t.tenants, tenantId, {
        num: meta.nextTenantNum,
        secret: randomBytes(32),
        logicalBytes: 0,
        storedBytes: 0,
        storedBlocks: 0,
        versions: 0,
        nextSeq: 1,
      });
    });
    await this.t.durable();
    const ref = this.tenant(tenantId);
    if (ref === undefined) throw new RavelError('INTERNAL', 'tenant vanished after creation');
    return ref;
  }

  /** The tenant, or NOT_FOUND standing for the object the caller asked about. */
  known(tenantId: string, what: string, id: string): TenantRef {
    const ref = this.tenant(tenantId);
    if (ref === undefined) throw notFound(what, id);
    return ref;
  }

  meta(): MetaRecord {
    const meta = this.t.meta.get('format');
    if (meta === undefined) throw new RavelError('INTERNAL', 'block store has no format record');
    return meta;
  }

  disk(tenant: TenantRef, diskId: string): DiskInfo {
    const rec = this.t.disks.get([tenant.num, diskId]);
    if (rec === undefined) throw notFound('disk', diskId);
    return { ...rec, head: this.visibleIds(tenant, diskId).at(-1) ?? null };
  }

  visibleIds(tenant: TenantRef, diskId: string): string[] {
    return [...this.t.heads.getRange({ start: [tenant.num, diskId, 0], end: [tenant.num, diskId, Number.MAX_SAFE_INTEGER] })]
      .map((e) => e.value);
  }

  /** A committed version of the tenant, else NOT_FOUND. */
  visible(tenant: TenantRef, versionId: string): VersionRecord {
    const rec = typeof versionId === 'string' ? this.t.versions.get([tenant.num, versionId]) : undefined;
    if (rec?.state !== 'committed') throw notFound('version', versionId);
    return rec;
  }

  /** Transaction only. */
  createDisk(tenant: TenantRef, purpose: DiskPurpose): string {
    const id = newId('d_');
    this.t.put(this.t.disks, [tenant.num, id], { id, purpose, createdAt: this.clock.now() });
    return id;
  }

  /** Transaction only. A new version record, counted as a child of its base. */
  createVersion(tenant: TenantRef, v: NewVersion, state: VersionRecord['state']): VersionRecord {
    const meta = this.meta();
    this.t.put(this.t.meta, 'format', { ...meta, nextVersionNum: meta.nextVersionNum + 1 });
    const rec: VersionRecord = {
      num: meta.nextVersionNum,
      id: newId('v_'),
      diskId: v.diskId,
      state,
      origin: v.origin,
      parentId: v.base?.id ?? null,
      baseId: v.base?.id ?? null,
      children: 0,
      size: v.size,
      createdAt: this.clock.now(),
      seq: 0,
    };
    if (v.base !== null) {
      const base = this.t.versions.get([tenant.num, v.base.id]);
      if (base === undefined) throw notFound('version', v.base.id);
      this.t.put(this.t.versions, [tenant.num, base.id], { ...base, children: base.children + 1 });
    }
    this.t.put(this.t.versions, [tenant.num, rec.id], rec);
    return state === 'committed' ? this.publish(tenant, rec) : rec;
  }

  /** Transaction only. Makes a version visible as the newest of its disk. */
  publish(tenant: TenantRef, rec: VersionRecord): VersionRecord {
    if (rec.diskId === null || !this.t.disks.doesExist([tenant.num, rec.diskId])) {
      throw notFound('disk', rec.diskId ?? '');
    }
    const trec = this.t.tenants.get(tenant.id);
    if (trec === undefined) throw new RavelError('INTERNAL', 'tenant record missing');
    const committed: VersionRecord = { ...rec, state: 'committed', seq: trec.nextSeq };
    this.t.put(this.t.tenants, tenant.id, {
      ...trec,
      nextSeq: trec.nextSeq + 1,
      logicalBytes: trec.logicalBytes + rec.size,
      versions: trec.versions + 1,
    });
    this.t.put(this.t.versions, [tenant.num, rec.id], committed);
    this.t.put(this.t.heads, [tenant.num, rec.diskId, committed.seq], rec.id);
    return committed;
  }

  /** Transaction only. Hides a visible version; answers true if it can be purged at once. */
  hide(tenant: TenantRef, rec: VersionRecord): boolean {
    const trec = this.t.tenants.get(tenant.id);
    if (trec === undefined) throw new RavelError('INTERNAL', 'tenant record missing');
    this.t.put(this.t.tenants, tenant.id, {
      ...trec,
      logicalBytes: trec.logicalBytes - rec.size,
      versions: trec.versions - 1,
    });
    if (rec.diskId !== null) this.t.remove(this.t.heads, [tenant.num, rec.diskId, rec.seq]);
    const purge = rec.children === 0;
    this.t.put(this.t.versions, [tenant.num, rec.id], { ...rec, state: purge ? 'purging' : 'deleted' });
    return purge;
  }
}
