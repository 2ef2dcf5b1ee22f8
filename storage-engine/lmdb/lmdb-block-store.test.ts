import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { blockStoreConformance, prng, randomBytesFrom, rejectsWith } from '../block-store.conformance.ts';
import { blockId } from './tables.ts';
import { openLmdbBlockStore, type LmdbBlockStore, type LmdbBlockStoreOptions } from './lmdb-block-store.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ravel-blocks-'));
}

async function openTemp(options: Partial<LmdbBlockStoreOptions> = {}): Promise<{ store: LmdbBlockStore; dir: string }> {
  const dir = tempDir();
  const store = await openLmdbBlockStore({ path: dir, clock: new ManualClock(), maintenanceIntervalMs: 0, ...options });
  return { store, dir };
}

const maxChainDepth = 4;
blockStoreConformance('lmdb', async () => {
  const dir = tempDir();
  const options = { path: dir, clock: new ManualClock(), maintenanceIntervalMs: 0, maxChainDepth };
  let store = await openLmdbBlockStore(options);
  return {
    get store() {
      return store;
    },
    maxChainDepth,
    async reopen() {
      await store.close();
      store = await openLmdbBlockStore(options);
      return store;
    },
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('LMDB block store', () => {
  let store: LmdbBlockStore;
  let dir: string;
  before(async () => ({ store, dir } = await openTemp()));
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function versionWith(tenant: string, content: Buffer): Promise<string> {
    const disk = await store.createDisk(tenant);
    const w = await store.openWriter(tenant, disk.id, { size: content.length });
    await w.write(0, content);
    return (await w.commit()).id;
  }

  it('fails a read with CORRUPT when a block does not match its key, or is missing', async () => {
    const content = randomBytesFrom(prng(20), store.blockSize * 2);
    const v = await versionWith('c', content);
    const ids = [...store.tables.blocks.getKeys({})];
    assert.equal(ids.length, 2);
    const [first, second] = ids as [Buffer, Buffer];
    const bytes = Buffer.from(store.tables.blocks.get(first) ?? Buffer.alloc(0));
    bytes[17] = (bytes[17] ?? 0) ^ 1;
    await store.tables.blocks.put(first, bytes);
    await store.tables.blocks.remove(second);
    await rejectsWith(store.read('c', v, 0, store.blockSize * 2), 'CORRUPT');
    await rejectsWith(store.readBlock('c', v, 0), 'CORRUPT');
    await rejectsWith(store.readBlock('c', v, 1), 'CORRUPT');
  });

  it('keys blocks by a per-tenant keyed hash, so the same bytes get unrelated keys', async () => {
    const block = randomBytesFrom(prng(21), store.blockSize);
    await versionWith('k1', block);
    await versionWith('k2', block);
    const keysOf = (tenant: string): string[] => {
      const num = store.tables.tenants.get(tenant)?.num ?? -1;
      return [...store.tables.blocks.getKeys({})]
        .filter((id) => id.readUInt32BE(0) === num)
        .map((id) => id.subarray(4).toString('hex'));
    };
    const [k1, k2] = [keysOf('k1'), keysOf('k2')];
    assert.equal(k1.length, 1);
    assert.equal(k2.length, 1);
    assert.notEqual(k1[0], k2[0]);
  });

  it('references a block the collector just removed by storing it again (hook between hash and reference)', async () => {
    const block = randomBytesFrom(prng(22), 64 * 1024);
    let pause: (() => Promise<void>) | undefined;
    const raced = await openTemp({ hooks: { beforeReference: async () => pause?.() } });
    try {
      const s = raced.store;
      const disk = await s.createDisk('r');
      const w1 = await s.openWriter('r', disk.id, { size: block.length });
      await w1.write(0, block);
      const old = await w1.commit();
      await s.deleteVersion('r', old.id);
      const w2 = await s.openWriter('r', disk.id, { size: block.length, base: null });
      // The writer has hashed the block, which is still stored, when the collector deletes it.
      let collected = 0;
      pause = async () => {
        assert.equal(s.tables.blocks.getCount({}), 1, 'the block is still there when the writer hashes');
        collected = (await s.maintain()).collectedBlocks;
      };
      await w2.write(0, block);
      pause = undefined;
      const v = await w2.commit();
      assert.equal(collected, 1, 'the collector removed the block in between');
      assert.deepEqual(Buffer.from(await s.read('r', v.id, 0, block.length)), block);
      await s.maintain();
      assert.deepEqual(Buffer.from(await s.read('r', v.id, 0, block.length)), block);
      assert.equal((await s.usage('r')).storedBlocks, 1);
    } finally {
      await raced.store.close();
      rmSync(raced.dir, { recursive: true, force: true });
    }
  });

  it('keeps a block whose count went to zero and back before the collector ran', async () => {
    const [x, y] = [randomBytesFrom(prng(23), store.blockSize), randomBytesFrom(prng(25), store.blockSize)];
    const disk = await store.createDisk('g');
    const w = await store.openWriter('g', disk.id, { size: store.blockSize });
    await w.write(0, x);
    await w.write(0, y); // x is now referenced by nothing and waits for the collector
    await w.commit();
    assert.equal(store.tables.orphans.getCount({}), 1);
    const v = await versionWith('g', x);
    assert.equal(store.tables.orphans.getCount({}), 0, 'the new reference takes it off the list');
    assert.equal((await store.maintain()).collectedBlocks, 0);
    assert.deepEqual(Buffer.from(await store.read('g', v, 0, store.blockSize)), x);
  });

  /**
   * A version whose map names one block at every index, built through the writer for block 0
   * and then by copying that entry (with its reference count) straight into the map: hashing
   * 16 GiB through the writer would take the suite a minute, and the map is what matters here.
   */
  async function fullVersion(tenant: string, size: number, block: Buffer): Promise<string> {
    const disk = await store.createDisk(tenant);
    const w = await store.openWriter(tenant, disk.id, { size });
    await w.writeBlock(0, block);
    const v = await w.commit();
    const t = store.tables;
    const rec = t.versions.get([t.tenants.get(tenant)?.num ?? -1, v.id]);
    const key = rec === undefined ? undefined : t.maps.get([rec.num, 0]);
    assert.ok(rec !== undefined && key !== undefined);
    const id = blockId(t.tenants.get(tenant)?.num ?? -1, key);
    const blocks = size / store.blockSize;
    for (let from = 1; from < blocks; from += 65536) {
      await t.txn(() => {
        const to = Math.min(blocks, from + 65536);
        for (let i = from; i < to; i++) void t.maps.put([rec.num, i], key);
        void t.refs.put(id, (t.refs.get(id) ?? 0) + (to - from));
      });
    }
    assert.equal(t.maps.getCount({ start: [rec.num, 0], end: [rec.num + 1] }), blocks, 'the map is full');
    return v.id;
  }

  it('snapshots, clones and saves a 1 GiB and a 16 GiB full disk with the same, constant work', async () => {
    const block = randomBytesFrom(prng(24), store.blockSize);
    const work: Record<string, number[]> = {};
    for (const gib of [1, 16]) {
      const size = gib * 1024 * 1024 * 1024;
      const v = { id: await fullVersion('big', size, block) };
      const counts: number[] = [];
      for (const op of ['snapshot', 'clone', 'saveAsImage'] as const) {
        const before = store.tables.keysWritten;
        const made = await store[op]('big', v.id);
        counts.push(store.tables.keysWritten - before);
        assert.equal(made.size, size);
      }
      work[`${gib} GiB`] = counts;
      for (const offset of [0, size / 2, size - store.blockSize]) {
        assert.deepEqual(Buffer.from(await store.read('big', v.id, offset, store.blockSize)), block);
      }
    }
    assert.deepEqual(work['1 GiB'], work['16 GiB'], JSON.stringify(work));
    for (const n of work['16 GiB'] ?? []) assert.ok(n <= 8, `a derive writes a handful of keys, not ${n}`);
    assert.equal((await store.usage('big')).storedBlocks, 1);
  });
});
