/** Conformance: change listeners see sets, deletes and expiries, filtered by key prefix. */
import assert from 'node:assert/strict';
import type { GridChange } from '../grid.ts';
import type { GridSetup } from './fixture.ts';
import { eventually, gridTest, uniqueName } from './helpers.ts';

function recorder<V>(): { changes: Array<GridChange<V>>; listener: (c: GridChange<V>) => void } {
  const changes: Array<GridChange<V>> = [];
  return { changes, listener: (c) => changes.push(c) };
}

const has = <V>(changes: Array<GridChange<V>>, type: GridChange<V>['type'], key: string): boolean =>
  changes.some((c) => c.type === type && c.key === key);

export function listenCases(setup: GridSetup): void {
  gridTest('a listener sees sets and deletes of one key in order, from another client too', setup, async (fx) => {
    const name = uniqueName('m');
    const m = fx.grid.map<{ n: number }>(name);
    const rec = recorder<{ n: number }>();
    await m.listen(rec.listener);
    const other = (await fx.peer()).map<{ n: number }>(name);
    await m.set('k', { n: 1 });
    await other.compareAndSetVersion('k', 1, { n: 2 });
    await other.delete('k');
    await eventually('three changes', () => rec.changes.length >= 3, fx.eventWaitMs);
    assert.deepEqual(rec.changes, [
      { type: 'set', key: 'k', value: { n: 1 }, version: 1 },
      { type: 'set', key: 'k', value: { n: 2 }, version: 2 },
      { type: 'deleted', key: 'k' },
    ]);
  });

  gridTest('writes with a TTL are heard once each', setup, async (fx) => {
    const m = fx.grid.map<string>(uniqueName('m'));
    const rec = recorder<string>();
    await m.listen(rec.listener);
    await m.set('k', 'a', { ttlMs: fx.ttlMs * 10 });
    await m.compareAndSetVersion('k', 1, 'b', { ttlMs: fx.ttlMs * 10 });
    await m.set('k', 'c', { ttlMs: fx.ttlMs * 10 });
    await m.delete('k');
    await eventually('the delete', () => has(rec.changes, 'deleted', 'k'), fx.eventWaitMs);
    assert.deepEqual(rec.changes, [
      { type: 'set', key: 'k', value: 'a', version: 1 },
      { type: 'set', key: 'k', value: 'b', version: 2 },
      { type: 'set', key: 'k', value: 'c', version: 3 },
      { type: 'deleted', key: 'k' },
    ]);
  });

  gridTest('a listener sees an entry expire', setup, async (fx) => {
    const m = fx.grid.map<string>(uniqueName('m'));
    const rec = recorder<string>();
    await m.listen(rec.listener);
    await m.set('lease', 'v', { ttlMs: fx.ttlMs });
    await fx.elapse(fx.ttlMs + fx.expiryLatenessMs);
    await eventually('expired', () => has(rec.changes, 'expired', 'lease'), fx.eventWaitMs);
    assert.deepEqual(rec.changes, [
      { type: 'set', key: 'lease', value: 'v', version: 1 },
      { type: 'expired', key: 'lease' },
    ]);
  });

  gridTest('keyPrefix limits a listener to keys that start with it', setup, async (fx) => {
    const m = fx.grid.map<number>(uniqueName('m'));
    const all = recorder<number>();
    const some = recorder<number>();
    await m.listen(all.listener);
    await m.listen(some.listener, { keyPrefix: 'a_%/' });
    await m.set('b/1', 1);
    await m.set('aX%/2', 2);
    await m.set('a_%/3', 3);
    await m.delete('b/1');
    await m.delete('a_%/3');
    await eventually('all changes', () => all.changes.length >= 5, fx.eventWaitMs);
    await eventually('the prefixed changes', () => some.changes.length >= 2, fx.eventWaitMs);
    assert.deepEqual(some.changes, [
      { type: 'set', key: 'a_%/3', value: 3, version: 1 },
      { type: 'deleted', key: 'a_%/3' },
    ]);
  });

  gridTest('unlisten stops delivery', setup, async (fx) => {
    const m = fx.grid.map<number>(uniqueName('m'));
    const stopped = recorder<number>();
    const witness = recorder<number>();
    const unlisten = await m.listen(stopped.listener);
    await m.listen(witness.listener);
    await m.set('k', 1);
    await eventually('first change', () => stopped.changes.length === 1 && witness.changes.length === 1, fx.eventWaitMs);
    await unlisten();
    await m.set('k', 2);
    await m.set('last', 3);
    await eventually('later changes', () => has(witness.changes, 'set', 'last') && witness.changes.length === 3, fx.eventWaitMs);
    assert.equal(stopped.changes.length, 1);
  });

  gridTest('closing the grid stops its listeners', setup, async (fx) => {
    const name = uniqueName('m');
    const other = await fx.peer();
    const closing = recorder<number>();
    const witness = recorder<number>();
    await other.map<number>(name).listen(closing.listener);
    await fx.grid.map<number>(name).listen(witness.listener);
    await other.close();
    await fx.grid.map<number>(name).set('k', 1);
    await eventually('the change', () => witness.changes.length === 1, fx.eventWaitMs);
    assert.equal(closing.changes.length, 0);
  });
}
