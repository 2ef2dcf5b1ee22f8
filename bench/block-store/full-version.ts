/**
 * A version whose block map is full (every index names a block) while the bytes stored stay
 * one block: the map is written straight into the LMDB tables, since writing 16 GiB through a
 * writer only to measure a snapshot of it would take minutes. Reads of it resolve like any
 * other version's (the refs count is kept right, so collection leaves the block alone).
 */
import { randomBytes } from 'node:crypto';
import { blockId } from '../../storage-engine/lmdb/tables.ts';
import type { LmdbBlockStore } from '../../storage-engine/lmdb/lmdb-block-store.ts';

export async function fullVersion(s: LmdbBlockStore, tenant: string, size: number): Promise<string> {
  const disk = await s.createDisk(tenant);
  const w = await s.openWriter(tenant, disk.id, { size });
  await w.writeBlock(0, randomBytes(s.blockSize));
  const v = await w.commit();
  const t = s.tables;
  const tenantNum = t.tenants.get(tenant)?.num ?? -1;
  const num = t.versions.get([tenantNum, v.id])?.num ?? -1;
  const key = t.maps.get([num, 0]);
  if (key === undefined) throw new Error('the first block of the full version was not stored');
  const blocks = Math.ceil(size / s.blockSize);
  for (let from = 1; from < blocks; from += 65536) {
    const to = Math.min(blocks, from + 65536);
    await t.txn(() => {
      for (let i = from; i < to; i++) void t.maps.put([num, i], key);
      const id = blockId(tenantNum, key);
      void t.refs.put(id, (t.refs.get(id) ?? 0) + (to - from));
    });
  }
  await t.durable();
  return v.id;
}
