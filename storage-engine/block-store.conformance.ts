/**
 * What every BlockStore must do, as one suite that each implementation runs (see
 * storage-engine/lmdb/lmdb-block-store.test.ts). Cases that need to reach inside an
 * implementation (corrupting a block, counting keys written, killing a writer process) live
 * beside that implementation.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError, type ErrorCode } from '../core/errors.ts';
import type { BlockStore, VersionId } from './block-store.ts';

export interface BlockStoreFixture {
  readonly store: BlockStore;
  /** The chain depth past which the store flattens. */
  readonly maxChainDepth: number;
  /** Closes the store and opens the same one again, as a restart would. */
  reopen(): Promise<BlockStore>;
  dispose(): Promise<void>;
}

/** A small seeded generator, so a failing case can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytesFrom(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

export async function rejectsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => isRavelError(e, code));
}

/** Reads a whole version in one call. */
async function readAll(store: BlockStore, tenant: string, id: VersionId): Promise<Buffer> {
  const info = await store.getVersion(tenant, id);
  return Buffer.from(await store.read(tenant, id, 0, info.size));
}

export function blockStoreConformance(name: string, open: () => Promise<BlockStoreFixture>): void {
  describe(`BlockStore conformance: ${name}`, () => {
    let fx: BlockStoreFixture;
    let store: BlockStore;
    let bs: number;
    let tenantSeq = 0;
    const newTenant = (): string => `tenant-${++tenantSeq}`;
    before(async () => {
      fx = await open();
      store = fx.store;
      bs = store.blockSize;
    });
    after(async () => fx.dispose());

    /** A committed version of a new disk holding `content`. */
    async function versionWith(tenant: string, content: Buffer): Promise<VersionId> {
      const disk = await store.createDisk(tenant);
      const w = await store.openWriter(tenant, disk.id, { size: content.length });
      await w.write(0, content);
      return (await w.commit()).id;
    }

    it('reads back random writes at any offset and length, zeros where unwritten', async () => {
      const rand = prng(1);
      const t = newTenant();
      const size = bs * 9 + 123;
      const model = Buffer.alloc(size);
      const disk = await store.createDisk(t);
      const w = await store.openWriter(t, disk.id, { size });
      const writes: Array<Promise<void>> = [];
      for (let i = 0; i < 60; i++) {
        const offset = Math.floor(rand() * size);
        const length = Math.min(size - offset, 1 + Math.floor(rand() * bs * 2.5));
        const data = rand() < 0.2 ? Buffer.alloc(length) : randomBytesFrom(rand, length);
        data.copy(model, offset);
        writes.push(w.write(offset, data)); // issued without waiting: they apply in call order
      }
      await Promise.all(writes);
      assert.deepEqual(Buffer.from(await w.read(0, size)), model, 'the writer reads its own writes');
      const v = await w.commit();
      assert.equal(v.size, size);
      assert.deepEqual(await readAll(store, t, v.id), model);
      for (let i = 0; i < 40; i++) {
        const offset = Math.floor(rand() * size);
        const length = Math.floor(rand() * (size - offset));
        assert.deepEqual(Buffer.from(await store.read(t, v.id, offset, length)), model.subarray(offset, offset + length));
      }
    });

    it('reads whole blocks by index, zero-filled where unwritten and past the size', async () => {
      const t = newTenant();
      const content = Buffer.alloc(bs * 2 + 10, 0);
      content.fill(5, bs, bs * 2 + 10);
      const v = await versionWith(t, content);
      assert.deepEqual(Buffer.from(await store.readBlock(t, v, 0)), Buffer.alloc(bs));
      assert.deepEqual(Buffer.from(await store.readBlock(t, v, 1)), Buffer.alloc(bs, 5));
      const last = Buffer.alloc(bs);
      last.fill(5, 0, 10);
      assert.deepEqual(Buffer.from(await store.readBlock(t, v, 2)), last);
      await rejectsWith(store.readBlock(t, v, 3), 'INVALID_ARGUMENT');
    });

    it('refuses ranges outside the size and shrinking', async () => {
      const t = newTenant();
      const disk = await store.createDisk(t);
      const w = await store.openWriter(t, disk.id, { size: bs });
      await rejectsWith(w.write(bs - 1, Buffer.alloc(2, 1)), 'INVALID_ARGUMENT');
      await rejectsWith(w.write(-1, Buffer.alloc(1, 1)), 'INVALID_ARGUMENT');
      assert.throws(() => w.setSize(bs - 1), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
      w.setSize(bs * 2);
      await w.write(bs * 2 - 1, Buffer.from([9]));
      const v = await w.commit();
      assert.equal(v.size, bs * 2);
      await rejectsWith(store.read(t, v.id, bs, bs + 1), 'INVALID_ARGUMENT');
      assert.deepEqual(Buffer.from(await store.read(t, v.id, bs * 2 - 1, 1)), Buffer.from([9]));
    });

    it('shows nothing of a version before its commit, and nothing of an aborted one', async () => {
      const t = newTenant();
      const disk = await store.createDisk(t);
      const w = await store.openWriter(t, disk.id, { size: bs });
      await w.write(0, Buffer.alloc(bs, 1));
      await rejectsWith(store.getVersion(t, w.versionId), 'NOT_FOUND');
      await rejectsWith(store.read(t, w.versionId, 0, 1), 'NOT_FOUND');
      assert.equal((await store.getDisk(t, disk.id)).head, null);
      await w.abort();
      await rejectsWith(w.commit(), 'ILLEGAL_STATE');
      await rejectsWith(store.getVersion(t, w.versionId), 'NOT_FOUND');
      assert.deepEqual(await store.listVersions(t, disk.id), []);
      const w2 = await store.openWriter(t, disk.id, { size: bs });
      const v = await w2.commit();
      await rejectsWith(w2.write(0, Buffer.alloc(1)), 'ILLEGAL_STATE');
      await rejectsWith(w2.abort(), 'ILLEGAL_STATE');
      assert.equal((await store.getDisk(t, disk.id)).head, v.id);
      await store.maintain();
      assert.equal((await store.usage(t)).storedBlocks, 0, 'the aborted block is collected');
    });

    it('stores identical blocks of a tenant once and zero blocks not at all', async () => {
      const t = newTenant();
      const block = randomBytesFrom(prng(2), bs);
      const content = Buffer.concat([block, Buffer.alloc(bs), block, block, Buffer.alloc(bs * 3), block]);
      await versionWith(t, content);
      await versionWith(t, Buffer.concat([block, block]));
      const u = await store.usage(t);
      assert.equal(u.storedBlocks, 1);
      assert.equal(u.storedBytes, bs);
      assert.equal(u.logicalBytes, content.length + bs * 2);
      assert.equal(u.versions, 2);
    });

    it('never shares blocks between tenants, and treats their ids as missing', async () => {
      const a = newTenant();
      const b = newTenant();
      const content = randomBytesFrom(prng(3), bs * 3);
      const va = await versionWith(a, content);
      const diskA = (await store.getVersion(a, va)).diskId;
      const vb = await versionWith(b, content);
      assert.equal((await store.usage(b)).storedBlocks, 3, 'B stores its own copy of the same bytes');
      await rejectsWith(store.getVersion(b, va), 'NOT_FOUND');
      await rejectsWith(store.read(b, va, 0, 1), 'NOT_FOUND');
      await rejectsWith(store.readBlock(b, va, 0), 'NOT_FOUND');
      await rejectsWith(store.snapshot(b, va), 'NOT_FOUND');
      await rejectsWith(store.clone(b, va), 'NOT_FOUND');
      await rejectsWith(store.saveAsImage(b, va), 'NOT_FOUND');
      await rejectsWith(store.deleteVersion(b, va), 'NOT_FOUND');
      await rejectsWith(store.getDisk(b, diskA), 'NOT_FOUND');
      await rejectsWith(store.listVersions(b, diskA), 'NOT_FOUND');
      await rejectsWith(store.openWriter(b, diskA), 'NOT_FOUND');
      await rejectsWith(store.deleteDisk(b, diskA), 'NOT_FOUND');
      await rejectsWith(store.getVersion('never-seen', va), 'NOT_FOUND');
      const missing = await store.getVersion(a, 'v_missing').catch((e: unknown) => e);
      const foreign = await store.getVersion(b, va).catch((e: unknown) => e);
      assert.ok(isRavelError(missing) && isRavelError(foreign));
      assert.equal(foreign.message.replace(va, 'ID'), missing.message.replace('v_missing', 'ID'));
      await store.deleteDisk(a, diskA);
      await store.maintain();
      assert.equal((await store.usage(a)).storedBlocks, 0);
      assert.deepEqual(await readAll(store, b, vb), content, "A's collection leaves B's blocks alone");
    });

    it('makes snapshots, clones and images that read like their parent and diverge on their own', async () => {
      const t = newTenant();
      const rand = prng(4);
      const content = randomBytesFrom(rand, bs * 4);
      const v = await versionWith(t, content);
      const disk = (await store.getVersion(t, v)).diskId;
      const snap = await store.snapshot(t, v);
      const clone = await store.clone(t, v);
      const image = await store.saveAsImage(t, v);
      assert.equal(snap.diskId, disk);
      assert.notEqual(clone.diskId, disk);
      assert.equal((await store.getDisk(t, image.diskId)).purpose, 'image');
      assert.equal((await store.getDisk(t, clone.diskId)).head, clone.id);
      for (const x of [snap, clone, image]) {
        assert.equal(x.parent, v);
        assert.deepEqual(await readAll(store, t, x.id), content);
      }
      const w = await store.openWriter(t, clone.diskId);
      const patch = randomBytesFrom(rand, 100);
      await w.write(bs - 50, patch);
      const changed = await w.commit();
      assert.equal(changed.parent, clone.id);
      const expected = Buffer.from(content);
      patch.copy(expected, bs - 50);
      assert.deepEqual(await readAll(store, t, changed.id), expected);
      assert.deepEqual(await readAll(store, t, v), content, 'the parent is unchanged');
      assert.deepEqual(
        (await store.listVersions(t, disk)).map((x) => x.id),
        [v, snap.id],
      );
    });

    it('flattens chains past the configured depth without changing what any version reads', async () => {
      const t = newTenant();
      const rand = prng(5);
      const size = bs * 6;
      const disk = await store.createDisk(t);
      const expected = new Map<VersionId, Buffer>();
      const model = Buffer.alloc(size);
      let versionCount = 0;
      for (let level = 0; level <= fx.maxChainDepth + 3; level++) {
        const w = await store.openWriter(t, disk.id, { size });
        const offset = Math.floor(rand() * (size - bs));
        // Some levels write zeros over data below: a flattened map must keep reading zeros there.
        const data = level % 4 === 3 ? Buffer.alloc(bs) : randomBytesFrom(rand, 1 + Math.floor(rand() * bs));
        data.copy(model, offset);
        await w.write(offset, data);
        const v = await w.commit();
        expected.set(v.id, Buffer.from(model));
        versionCount++;
        if (level % 5 === 2) expected.set((await store.snapshot(t, v.id)).id, Buffer.from(model));
      }
      assert.ok(versionCount > fx.maxChainDepth + 1);
      const report = await store.maintain();
      assert.ok(report.flattened > 0, 'something was flattened');
      for (const [id, bytes] of expected) assert.deepEqual(await readAll(store, t, id), bytes);
      const ids = [...expected.keys()];
      for (const id of ids.slice(0, -1)) await store.deleteVersion(t, id);
      await store.maintain();
      assert.deepEqual(await readAll(store, t, ids.at(-1) ?? ''), expected.get(ids.at(-1) ?? ''));
      const u = await store.usage(t);
      assert.equal(u.versions, 1);
      assert.ok(u.storedBlocks <= 6, `at most the last version's blocks remain, not ${u.storedBlocks}`);
    });

    it('keeps what children need when a version is deleted, and collects it after them', async () => {
      const t = newTenant();
      const rand = prng(6);
      const content = randomBytesFrom(rand, bs * 3);
      const v = await versionWith(t, content);
      const snap = await store.snapshot(t, v);
      const clone = await store.clone(t, v);
      await store.deleteVersion(t, v);
      await rejectsWith(store.read(t, v, 0, 1), 'NOT_FOUND');
      await store.maintain();
      assert.deepEqual(await readAll(store, t, snap.id), content);
      assert.deepEqual(await readAll(store, t, clone.id), content);
      assert.equal((await store.usage(t)).storedBlocks, 3);
      await store.deleteVersion(t, snap.id);
      await store.deleteVersion(t, clone.id);
      await store.maintain();
      assert.deepEqual(await store.usage(t), { logicalBytes: 0, storedBytes: 0, storedBlocks: 0, versions: 0 });
    });

    it('never collects a block that a concurrent writer references', async () => {
      const t = newTenant();
      const rand = prng(7);
      for (let round = 0; round < 25; round++) {
        const block = randomBytesFrom(rand, bs);
        const old = await versionWith(t, block);
        await store.deleteVersion(t, old);
        const disk = await store.createDisk(t);
        const w = await store.openWriter(t, disk.id, { size: bs });
        // Interleave the writer's hash-and-reference with the collector in varying order.
        const delay = round % 5;
        const [, v] = await Promise.all([
          (async () => {
            for (let i = 0; i < delay; i++) await Promise.resolve();
            await store.maintain();
          })(),
          (async () => {
            await w.writeBlock(0, block);
            return w.commit();
          })(),
        ]);
        await store.maintain();
        assert.deepEqual(Buffer.from(await store.read(t, v.id, 0, bs)), block, `round ${round}`);
      }
    });

    it('stages bytes as blocks, releases them, and leaves nothing after discard', async () => {
      const t = newTenant();
      const rand = prng(8);
      const staging = await store.openStaging(t);
      const data = randomBytesFrom(rand, bs * 4 + 77);
      await staging.write(1000, data);
      assert.deepEqual(Buffer.from(await staging.read(1000 + 5, bs * 2)), data.subarray(5, 5 + bs * 2));
      const before = (await store.usage(t)).storedBlocks;
      assert.equal(before, 5);
      await staging.release(1000, bs * 3);
      await store.maintain();
      assert.ok((await store.usage(t)).storedBlocks < before, 'released blocks are reclaimed');
      assert.deepEqual(Buffer.from(await staging.read(1000 + bs * 3, bs)), data.subarray(bs * 3, bs * 4));
      await staging.discard();
      await rejectsWith(staging.read(0, 1), 'ILLEGAL_STATE');
      await store.maintain();
      assert.deepEqual(await store.usage(t), { logicalBytes: 0, storedBytes: 0, storedBlocks: 0, versions: 0 });
    });

    it('deletes a disk but keeps clones made from it', async () => {
      const t = newTenant();
      const content = randomBytesFrom(prng(9), bs * 2);
      const v = await versionWith(t, content);
      const disk = (await store.getVersion(t, v)).diskId;
      const clone = await store.clone(t, v);
      await store.deleteDisk(t, disk);
      await rejectsWith(store.getDisk(t, disk), 'NOT_FOUND');
      await rejectsWith(store.getVersion(t, v), 'NOT_FOUND');
      await store.maintain();
      assert.deepEqual(await readAll(store, t, clone.id), content);
      assert.equal((await store.usage(t)).versions, 1);
    });

    it('lists a tenant\'s disks (not another\'s, not deleted ones) and the tenants it holds', async () => {
      const a = newTenant();
      const b = newTenant();
      const d1 = await store.createDisk(a);
      const d2 = await store.createDisk(a, { purpose: 'image' });
      const other = await store.createDisk(b);
      assert.deepEqual((await store.listDisks(a)).map((d) => d.id).sort(), [d1.id, d2.id].sort());
      assert.deepEqual((await store.listDisks(b)).map((d) => d.id), [other.id]);
      await store.deleteDisk(a, d1.id);
      assert.deepEqual((await store.listDisks(a)).map((d) => [d.id, d.purpose]), [[d2.id, 'image']]);
      assert.deepEqual(await store.listDisks(newTenant()), []);
      const tenants = await store.listTenants();
      assert.ok(tenants.includes(a) && tenants.includes(b));
    });

    it('keeps committed versions and drops uncommitted ones across a restart', async () => {
      const t = newTenant();
      const content = randomBytesFrom(prng(10), bs * 2 + 3);
      const v = await versionWith(t, content);
      const disk = await store.createDisk(t);
      const pending = await store.openWriter(t, disk.id, { size: bs });
      await pending.write(0, randomBytesFrom(prng(11), bs));
      const staging = await store.openStaging(t);
      await staging.write(0, randomBytesFrom(prng(12), bs));
      store = await fx.reopen();
      assert.deepEqual(await readAll(store, t, v), content);
      await rejectsWith(store.getVersion(t, pending.versionId), 'NOT_FOUND');
      await store.maintain();
      assert.equal((await store.usage(t)).storedBlocks, 3, 'the dead writer and staging blocks are gone');
    });
  });
}
