/** Conformance: plain reads and writes, versions, deletes, prefix listing, names, encoding, close. */
import assert from 'node:assert/strict';
import type { GridSetup } from './fixture.ts';
import { gridTest, rejectsWith, uniqueName } from './helpers.ts';

export function mapCases(setup: GridSetup): void {
  gridTest('get answers undefined for a missing key', setup, async ({ grid }) => {
    const m = grid.map<string>(uniqueName('m'));
    assert.equal(await m.get('nothing'), undefined);
    assert.equal(await m.getVersioned('nothing'), undefined);
  });

  gridTest('set answers versions 1, 2, 3 and get sees the latest', setup, async ({ grid }) => {
    const m = grid.map<{ n: number }>(uniqueName('m'));
    assert.equal(await m.set('k', { n: 1 }), 1);
    assert.equal(await m.set('k', { n: 2 }), 2);
    assert.equal(await m.set('k', { n: 3 }), 3);
    assert.deepEqual(await m.get('k'), { n: 3 });
    assert.deepEqual(await m.getVersioned('k'), { value: { n: 3 }, version: 3 });
  });

  gridTest('maps of different names and different keys are independent', setup, async ({ grid }) => {
    const name = uniqueName('m');
    const a = grid.map<string>(name);
    const b = grid.map<string>(`${name}-b`);
    await a.set('k', 'in a');
    await a.set('k2', 'other key');
    assert.equal(await b.get('k'), undefined);
    assert.equal(await grid.map<string>(name).get('k'), 'in a');
    assert.deepEqual(await a.getVersioned('k2'), { value: 'other key', version: 1 });
  });

  gridTest('a write through one client is read by another', setup, async (fx) => {
    const name = uniqueName('m');
    const other = await fx.peer();
    await fx.grid.map<number>(name).set('k', 41);
    assert.equal(await other.map<number>(name).set('k', 42), 2);
    assert.deepEqual(await fx.grid.map<number>(name).getVersioned('k'), { value: 42, version: 2 });
  });

  gridTest('putIfAbsent writes version 1 once and refuses while the key exists', setup, async ({ grid }) => {
    const m = grid.map<string>(uniqueName('m'));
    assert.deepEqual(await m.putIfAbsent('k', 'first'), { ok: true, version: 1 });
    assert.deepEqual(await m.putIfAbsent('k', 'second'), { ok: false });
    assert.deepEqual(await m.getVersioned('k'), { value: 'first', version: 1 });
  });

  gridTest('delete answers whether there was an entry, and a new write starts at version 1', setup, async ({ grid }) => {
    const m = grid.map<string>(uniqueName('m'));
    await m.set('k', 'a');
    await m.set('k', 'b');
    assert.equal(await m.delete('k'), true);
    assert.equal(await m.get('k'), undefined);
    assert.equal(await m.delete('k'), false);
    assert.deepEqual(await m.putIfAbsent('k', 'c'), { ok: true, version: 1 });
  });

  gridTest('deleteIfVersion deletes only at the expected version', setup, async ({ grid }) => {
    const m = grid.map<string>(uniqueName('m'));
    await m.set('k', 'a');
    await m.set('k', 'b');
    assert.equal(await m.deleteIfVersion('k', 1), false);
    assert.equal(await m.get('k'), 'b');
    assert.equal(await m.deleteIfVersion('k', 2), true);
    assert.equal(await m.get('k'), undefined);
    assert.equal(await m.deleteIfVersion('k', 2), false);
  });

  gridTest('entriesWithPrefix lists live entries by literal prefix, % and _ included', setup, async ({ grid }) => {
    const m = grid.map<number>(uniqueName('m'));
    const keys = ['app/1', 'app/2', 'app%x', 'apq', 'ap_', 'apX', 'a\\b', 'other', 'gone/1'];
    for (const [i, k] of keys.entries()) await m.set(k, i);
    await m.set('app/2', 99);
    await m.delete('gone/1');
    const listed = async (p: string): Promise<string[]> => (await m.entriesWithPrefix(p)).map(([k]) => k).sort();
    assert.deepEqual(await m.entriesWithPrefix('app/').then((es) => es.sort()), [
      ['app/1', { value: 0, version: 1 }],
      ['app/2', { value: 99, version: 2 }],
    ]);
    assert.deepEqual(await listed('ap_'), ['ap_']);
    assert.deepEqual(await listed('app%'), ['app%x']);
    assert.deepEqual(await listed('a\\'), ['a\\b']);
    assert.deepEqual(await listed('gone/'), []);
    assert.deepEqual(await listed(''), keys.filter((k) => k !== 'gone/1').sort());
  });

  gridTest('map names are validated', setup, async ({ grid }) => {
    for (const bad of ['', 'has space', 'a/b', 'é', 'x'.repeat(101), 'star*']) {
      await rejectsWith(() => grid.map(bad), 'INVALID_ARGUMENT');
    }
    for (const good of ['ok.name_1-x', 'x'.repeat(100)]) assert.equal(grid.map(good).name, good);
  });

  gridTest('integers up to 2^64-1 inside values round-trip exactly', setup, async ({ grid }) => {
    const m = grid.map<Record<string, unknown>>(uniqueName('m'));
    const v = { max: 2n ** 64n - 1n, big: 2n ** 53n + 1n, neg: -(2n ** 63n), safe: 2 ** 53 - 1, list: [1, 2n ** 60n] };
    await m.set('k', v);
    assert.deepEqual(await m.get('k'), v);
    assert.deepEqual(await m.compareAndSetValue('k', v, { max: 1 }), { ok: true, version: 2 });
  });

  gridTest('values that cannot be encoded are refused and nothing is written', setup, async ({ grid }) => {
    const m = grid.map<unknown>(uniqueName('m'));
    const bad: unknown[] = [{ x: 2n ** 64n }, Symbol('s'), undefined];
    for (const v of bad) {
      await rejectsWith(m.set('new', v), 'INVALID_ARGUMENT');
      await rejectsWith(m.putIfAbsent('new', v), 'INVALID_ARGUMENT');
    }
    assert.equal(await m.get('new'), undefined);
    await m.set('k', 'kept');
    for (const v of bad) {
      await rejectsWith(m.set('k', v), 'INVALID_ARGUMENT');
      await rejectsWith(m.compareAndSetVersion('k', 1, v), 'INVALID_ARGUMENT');
      await rejectsWith(m.compareAndSetValue('k', 'kept', v), 'INVALID_ARGUMENT');
    }
    assert.deepEqual(await m.getVersioned('k'), { value: 'kept', version: 1 });
  });

  gridTest('bad TTLs and versions are refused', setup, async ({ grid }) => {
    const m = grid.map<string>(uniqueName('m'));
    for (const ttlMs of [0, -5, 1.5, Number.NaN]) await rejectsWith(m.set('k', 'v', { ttlMs }), 'INVALID_ARGUMENT');
    for (const v of [0, -1, 1.5]) {
      await rejectsWith(m.compareAndSetVersion('k', v, 'v'), 'INVALID_ARGUMENT');
      await rejectsWith(m.deleteIfVersion('k', v), 'INVALID_ARGUMENT');
    }
    assert.equal(await m.get('k'), undefined);
  });

  gridTest('use after close fails with CLOSED', setup, async ({ grid }) => {
    const m = grid.map<string>(uniqueName('m'));
    await m.set('k', 'v');
    await grid.close();
    await grid.close();
    await rejectsWith(m.get('k'), 'CLOSED');
    await rejectsWith(m.set('k', 'w'), 'CLOSED');
    await rejectsWith(m.entriesWithPrefix(''), 'CLOSED');
    await rejectsWith(m.listen(() => undefined), 'CLOSED');
    await rejectsWith(() => grid.map('other'), 'CLOSED');
    await rejectsWith(grid.allocateIds(uniqueName('s'), 1), 'CLOSED');
    await rejectsWith(grid.ping(), 'CLOSED');
  });
}
