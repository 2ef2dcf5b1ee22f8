import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import { prng, randomBytesFrom, rejectsWith } from '../block-store.conformance.ts';
import { openLmdbBlockStore, type LmdbBlockStore } from '../lmdb/lmdb-block-store.ts';
import { BlockStoreSink, ingestInto } from './block-store-sink.ts';

describe('BlockStoreSink', () => {
  let store: LmdbBlockStore;
  let dir: string;
  let bs: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ravel-sink-'));
    store = await openLmdbBlockStore({ path: dir, clock: new ManualClock(), maintenanceIntervalMs: 0 });
    bs = store.blockSize;
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('places written and staged bytes into a new version that reads back exactly', async () => {
    const rand = prng(30);
    const size = bs * 5 + 321;
    const model = Buffer.alloc(size);
    const disk = await store.createDisk('s1');
    const v = await ingestInto(store, 's1', disk.id, async (sink) => {
      // Like a qcow2 whose tables come last: data is staged by upload offset, placed later.
      const staged = randomBytesFrom(rand, bs * 2 + 17);
      await sink.stage(4096, staged);
      const early = randomBytesFrom(rand, 1000);
      await sink.write(bs * 4, early);
      early.copy(model, bs * 4);
      sink.setVirtualSize(size);
      const placed = await sink.readStaged(4096 + 10, bs * 2);
      assert.deepEqual(Buffer.from(placed), staged.subarray(10, 10 + bs * 2));
      await sink.write(100, placed);
      Buffer.from(placed).copy(model, 100);
      await sink.releaseStaged(4096, staged.length);
      const tail = randomBytesFrom(rand, 321);
      await sink.write(size - 321, tail);
      tail.copy(model, size - 321);
    });
    assert.equal(v.size, size);
    assert.deepEqual(Buffer.from(await store.read('s1', v.id, 0, size)), model);
    await store.maintain();
    const u = await store.usage('s1');
    assert.equal(u.storedBlocks, 5, 'only the version blocks remain once staging is dropped');
  });

  it('refuses reads of bytes that were not staged or were released, and writes past the size', async () => {
    const disk = await store.createDisk('s2');
    const sink = await BlockStoreSink.open(store, 's2', disk.id);
    await sink.stage(0, Buffer.alloc(100, 1));
    await rejectsWith(sink.readStaged(50, 100), 'INVALID_ARGUMENT');
    await sink.releaseStaged(0, 50);
    await rejectsWith(sink.readStaged(0, 60), 'INVALID_ARGUMENT');
    assert.deepEqual(Buffer.from(await sink.readStaged(50, 50)), Buffer.alloc(50, 1));
    sink.setVirtualSize(bs);
    await rejectsWith(sink.write(bs - 1, Buffer.alloc(2, 1)), 'INVALID_ARGUMENT');
    assert.throws(() => sink.setVirtualSize(bs - 1), (e: unknown) => e instanceof RavelError && e.code === 'INVALID_ARGUMENT');
    sink.setVirtualSize(bs * 2);
    await sink.write(bs * 2 - 1, Buffer.from([7]));
    assert.deepEqual(Buffer.from(await sink.readLogical(bs * 2 - 2, 2)), Buffer.from([0, 7]));
    await sink.fail();
  });

  it('dedups blocks placed from staging against the staged copy', async () => {
    const disk = await store.createDisk('s3');
    const sink = await BlockStoreSink.open(store, 's3', disk.id);
    const data = randomBytesFrom(prng(31), bs * 3);
    await sink.stage(0, data);
    sink.setVirtualSize(bs * 3);
    await sink.write(0, await sink.readStaged(0, bs * 3));
    await sink.finish();
    assert.equal((await store.usage('s3')).storedBlocks, 3);
  });

  it('leaves no version and no blocks behind when the ingest fails', async () => {
    const disk = await store.createDisk('s4');
    await assert.rejects(
      ingestInto(store, 's4', disk.id, async (sink) => {
        await sink.stage(0, randomBytesFrom(prng(32), bs * 2));
        sink.setVirtualSize(bs * 4);
        await sink.write(0, randomBytesFrom(prng(33), bs * 3));
        throw new RavelError('DECODE_FAILED', 'malformed image');
      }),
      (e: unknown) => e instanceof RavelError && e.code === 'DECODE_FAILED',
    );
    assert.ok((await store.usage('s4')).storedBlocks > 0, 'blocks wait for the collector');
    await store.maintain();
    assert.deepEqual(await store.usage('s4'), { logicalBytes: 0, storedBytes: 0, storedBlocks: 0, versions: 0 });
    assert.deepEqual(await store.listVersions('s4', disk.id), []);
    assert.equal((await store.getDisk('s4', disk.id)).head, null);
  });
});
