/** Conformance: compare-and-set by version and by value, alone and with concurrent racers. */
import assert from 'node:assert/strict';
import type { CasResult } from '../grid.ts';
import type { GridSetup } from './fixture.ts';
import { gridTest, uniqueName } from './helpers.ts';

const racers = 16;

function winners(results: CasResult[]): number[] {
  return results.flatMap((r, i) => (r.ok ? [i] : []));
}

export function casCases(setup: GridSetup): void {
  gridTest('compareAndSetVersion wins at the current version and loses otherwise', setup, async ({ grid }) => {
    const m = grid.map<string>(uniqueName('m'));
    assert.deepEqual(await m.compareAndSetVersion('k', 1, 'on nothing'), { ok: false });
    assert.equal(await m.get('k'), undefined);
    await m.set('k', 'a');
    assert.deepEqual(await m.compareAndSetVersion('k', 1, 'b'), { ok: true, version: 2 });
    assert.deepEqual(await m.compareAndSetVersion('k', 1, 'stale'), { ok: false });
    assert.deepEqual(await m.compareAndSetVersion('k', 3, 'ahead'), { ok: false });
    assert.deepEqual(await m.getVersioned('k'), { value: 'b', version: 2 });
  });

  gridTest('compareAndSetValue wins on equal bytes and loses otherwise', setup, async ({ grid }) => {
    const m = grid.map<{ owner: string; epoch: number }>(uniqueName('m'));
    assert.deepEqual(await m.compareAndSetValue('k', { owner: 'a', epoch: 1 }, { owner: 'b', epoch: 2 }), { ok: false });
    await m.set('k', { owner: 'a', epoch: 1 });
    assert.deepEqual(await m.compareAndSetValue('k', { owner: 'x', epoch: 1 }, { owner: 'b', epoch: 2 }), { ok: false });
    assert.deepEqual(await m.compareAndSetValue('k', { owner: 'a', epoch: 1 }, { owner: 'b', epoch: 2 }), {
      ok: true,
      version: 2,
    });
    assert.deepEqual(await m.getVersioned('k'), { value: { owner: 'b', epoch: 2 }, version: 2 });
  });

  gridTest('concurrent compareAndSetVersion racers on two clients: exactly one wins', setup, async (fx) => {
    const name = uniqueName('m');
    const maps = [fx.grid.map<number>(name), (await fx.peer()).map<number>(name)];
    await maps[0]!.set('k', -1);
    const results = await Promise.all(
      Array.from({ length: racers }, (_, i) => maps[i % 2]!.compareAndSetVersion('k', 1, i)),
    );
    const won = winners(results);
    assert.equal(won.length, 1);
    assert.deepEqual(await maps[0]!.getVersioned('k'), { value: won[0], version: 2 });
  });

  gridTest('concurrent compareAndSetValue racers: exactly one wins', setup, async ({ grid }) => {
    const m = grid.map<string>(uniqueName('m'));
    await m.set('k', 'free');
    const results = await Promise.all(
      Array.from({ length: racers }, (_, i) => m.compareAndSetValue('k', 'free', `taken by ${i}`)),
    );
    const won = winners(results);
    assert.equal(won.length, 1);
    assert.deepEqual(await m.getVersioned('k'), { value: `taken by ${won[0]}`, version: 2 });
  });

  gridTest('concurrent putIfAbsent racers on two clients: exactly one wins', setup, async (fx) => {
    const name = uniqueName('m');
    const maps = [fx.grid.map<number>(name), (await fx.peer()).map<number>(name)];
    const results = await Promise.all(Array.from({ length: racers }, (_, i) => maps[i % 2]!.putIfAbsent('k', i)));
    const won = winners(results);
    assert.equal(won.length, 1);
    assert.deepEqual(await maps[1]!.getVersioned('k'), { value: won[0], version: 1 });
  });

  gridTest('concurrent sets each get their own version, one a write', setup, async ({ grid }) => {
    const m = grid.map<number>(uniqueName('m'));
    const versions = await Promise.all(Array.from({ length: racers }, (_, i) => m.set('k', i)));
    assert.deepEqual(
      [...versions].sort((a, b) => a - b),
      Array.from({ length: racers }, (_, i) => i + 1),
    );
    const last = versions.indexOf(racers);
    assert.deepEqual(await m.getVersioned('k'), { value: last, version: racers });
  });

  gridTest('concurrent deleteIfVersion racers: exactly one deletes', setup, async ({ grid }) => {
    const m = grid.map<string>(uniqueName('m'));
    await m.set('k', 'v');
    const results = await Promise.all(Array.from({ length: racers }, () => m.deleteIfVersion('k', 1)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await m.get('k'), undefined);
  });
}
