import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { isRavelError } from '../../core/errors.ts';
import { gridConformance } from '../grid.conformance.ts';
import { EmbeddedGrid } from './embedded-grid.ts';

gridConformance('EmbeddedGrid', async () => {
  const clock = new ManualClock();
  const grid = new EmbeddedGrid(clock);
  const peers: EmbeddedGrid[] = [];
  return {
    grid,
    peer: async () => {
      const p = grid.peer();
      peers.push(p);
      return p;
    },
    elapse: (ms) => clock.advance(ms),
    ttlMs: 1000,
    expiryLatenessMs: 0,
    eventWaitMs: 200,
    close: async () => {
      for (const p of peers) await p.close();
      await grid.close();
    },
  };
});

test('an entry expires exactly at its TTL on the clock', async () => {
  const clock = new ManualClock();
  const grid = new EmbeddedGrid(clock);
  const m = grid.map<string>('m');
  await m.set('k', 'v', { ttlMs: 100 });
  await clock.advance(99);
  assert.equal(await m.get('k'), 'v');
  await clock.advance(1);
  assert.equal(await m.get('k'), undefined);
  await grid.close();
});

test('allocateIds refuses with UNAVAILABLE rather than pass 2^53', async () => {
  const grid = new EmbeddedGrid(new ManualClock());
  grid.cluster.setNextId('s', Number.MAX_SAFE_INTEGER - 9);
  assert.deepEqual(await grid.allocateIds('s', 10), { first: Number.MAX_SAFE_INTEGER - 9, count: 10 });
  await assert.rejects(grid.allocateIds('s', 1), (e) => isRavelError(e, 'UNAVAILABLE'));
  await grid.close();
});

test('closing the last handle leaves no timer on the clock', async () => {
  const clock = new ManualClock();
  const grid = new EmbeddedGrid(clock);
  const peer = grid.peer();
  await grid.map<string>('m').set('k', 'v', { ttlMs: 1000 });
  await grid.close();
  assert.equal(clock.pendingTimers(), 1);
  await peer.close();
  assert.equal(clock.pendingTimers(), 0);
});

test('a value read back is a copy: changing it does not change the grid', async () => {
  const grid = new EmbeddedGrid(new ManualClock());
  const m = grid.map<{ n: number }>('m');
  const v = { n: 1 };
  await m.set('k', v);
  v.n = 2;
  const read = await m.get('k');
  assert.deepEqual(read, { n: 1 });
  read.n = 3;
  assert.deepEqual(await m.get('k'), { n: 1 });
  await grid.close();
});
