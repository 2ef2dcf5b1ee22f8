/**
 * Reference counting of blocks, done inside the write transaction that adds or drops the
 * map entry. This is what makes collection safe against concurrent writers: a writer decides
 * "present, add a reference" or "absent, store it" in the same transaction that names the
 * block in its map, and the collector deletes a block only in a transaction that still sees
 * its count at zero. LMDB runs write transactions one at a time, so the two cannot interleave.
 */
import { RavelError } from '../../core/errors.ts';
import { KEY_BYTES, ZERO_MARK, blockId, type Tables } from './tables.ts';

/** Usage changes gathered during one transaction and applied to the tenant once. */
export interface UsageDelta {
  storedBytes: number;
  storedBlocks: number;
  logicalBytes: number;
  versions: number;
}

export function emptyDelta(): UsageDelta {
  return { storedBytes: 0, storedBlocks: 0, logicalBytes: 0, versions: 0 };
}

/** What a map entry should become: a block (with its bytes, in case it must be stored), zeros, or nothing. */
export type EntryValue =
  | { readonly kind: 'block'; readonly key: Buffer; readonly data: Buffer | undefined }
  | { readonly kind: 'zero' }
  | { readonly kind: 'absent' };

export class BlockRefs {
  constructor(
    private readonly t: Tables,
    private readonly blockSize: number,
  ) {}

  /** Transaction only. Adds a reference, storing the block if it is not there. */
  ref(tenantNum: number, key: Buffer, data: Buffer | undefined, delta: UsageDelta): void {
    const id = blockId(tenantNum, key);
    const count = this.t.refs.get(id);
    if (count === undefined) {
      if (data === undefined) {
        throw new RavelError('INTERNAL', 'a referenced block is missing and its bytes are not at hand');
      }
      this.t.put(this.t.blocks, id, data);
      delta.storedBytes += this.blockSize;
      delta.storedBlocks += 1;
    } else if (count === 0) {
      this.t.remove(this.t.orphans, id);
    }
    this.t.put(this.t.refs, id, (count ?? 0) + 1);
  }

  /** Transaction only. Drops a reference; at zero the block waits for the collector. */
  unref(tenantNum: number, key: Buffer): void {
    const id = blockId(tenantNum, key);
    const count = this.t.refs.get(id);
    if (count === undefined || count <= 0) {
      throw new RavelError('CORRUPT', 'reference count below zero', { details: { tenantNum } });
    }
    this.t.put(this.t.refs, id, count - 1);
    if (count === 1) this.t.put(this.t.orphans, id, true);
  }

  /** Transaction only. Sets one map entry, keeping reference counts right. */
  setEntry(tenantNum: number, versionNum: number, index: number, value: EntryValue, delta: UsageDelta): void {
    const mapKey: [number, number] = [versionNum, index];
    const old = this.t.maps.get(mapKey);
    if (value.kind === 'block') {
      if (old !== undefined && old.length === KEY_BYTES && old.equals(value.key)) return;
      this.ref(tenantNum, value.key, value.data, delta);
      this.t.put(this.t.maps, mapKey, value.key);
    } else if (value.kind === 'zero') {
      if (old !== undefined && old.length !== KEY_BYTES) return;
      this.t.put(this.t.maps, mapKey, Buffer.from(ZERO_MARK));
    } else {
      if (old === undefined) return;
      this.t.remove(this.t.maps, mapKey);
    }
    if (old !== undefined && old.length === KEY_BYTES) this.unref(tenantNum, old);
  }

  /** Transaction only. Adds the delta to the tenant's usage. */
  applyUsage(tenantId: string, delta: UsageDelta): void {
    if (delta.storedBytes === 0 && delta.storedBlocks === 0 && delta.logicalBytes === 0 && delta.versions === 0) {
      return;
    }
    const rec = this.t.tenants.get(tenantId);
    if (rec === undefined) throw new RavelError('INTERNAL', 'usage for a tenant that does not exist');
    this.t.put(this.t.tenants, tenantId, {
      ...rec,
      storedBytes: rec.storedBytes + delta.storedBytes,
      storedBlocks: rec.storedBlocks + delta.storedBlocks,
      logicalBytes: rec.logicalBytes + delta.logicalBytes,
      versions: rec.versions + delta.versions,
    });
  }
}
