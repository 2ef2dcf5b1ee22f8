/** Conformance: TTL leases expire, and a later write decides whether the entry has one. */
import assert from 'node:assert/strict';
import type { GridSetup } from './fixture.ts';
import { gridTest, uniqueName } from './helpers.ts';

export function ttlCases(setup: GridSetup): void {
  gridTest('an entry written with a TTL is there before it and gone after it', setup, async (fx) => {
    const m = fx.grid.map<string>(uniqueName('m'));
    await m.set('lease', 'mine', { ttlMs: fx.ttlMs });
    await m.set('forever', 'kept');
    assert.equal(await m.get('lease'), 'mine');
    await fx.elapse(fx.ttlMs / 2);
    assert.equal(await m.get('lease'), 'mine');
    await fx.elapse(fx.ttlMs / 2 + fx.expiryLatenessMs);
    assert.equal(await m.get('lease'), undefined);
    assert.deepEqual(
      (await m.entriesWithPrefix('')).map(([k]) => k),
      ['forever'],
    );
    assert.deepEqual(await m.putIfAbsent('lease', 'next'), { ok: true, version: 1 });
  });

  gridTest('a write with a TTL replaced by one without lives on', setup, async (fx) => {
    const m = fx.grid.map<string>(uniqueName('m'));
    await m.set('a', 'leased', { ttlMs: fx.ttlMs });
    await m.set('a', 'kept');
    await m.set('b', 'leased', { ttlMs: fx.ttlMs });
    assert.deepEqual(await m.compareAndSetVersion('b', 1, 'kept'), { ok: true, version: 2 });
    await fx.elapse(fx.ttlMs + fx.expiryLatenessMs);
    assert.deepEqual(await m.getVersioned('a'), { value: 'kept', version: 2 });
    assert.deepEqual(await m.getVersioned('b'), { value: 'kept', version: 2 });
  });

  gridTest('conditional writes with a TTL expire too', setup, async (fx) => {
    const m = fx.grid.map<string>(uniqueName('m'));
    assert.deepEqual(await m.putIfAbsent('p', 'v', { ttlMs: fx.ttlMs }), { ok: true, version: 1 });
    await m.set('c', 'v');
    assert.deepEqual(await m.compareAndSetVersion('c', 1, 'w', { ttlMs: fx.ttlMs }), { ok: true, version: 2 });
    await m.set('d', 'v');
    assert.deepEqual(await m.compareAndSetValue('d', 'v', 'w', { ttlMs: fx.ttlMs }), { ok: true, version: 2 });
    await fx.elapse(fx.ttlMs + fx.expiryLatenessMs);
    assert.deepEqual(await m.entriesWithPrefix(''), []);
  });

  gridTest('renewing a lease before it runs out keeps the entry', setup, async (fx) => {
    const m = fx.grid.map<string>(uniqueName('m'));
    await m.set('lease', 'v1', { ttlMs: fx.ttlMs * 2 });
    await fx.elapse(fx.ttlMs);
    assert.deepEqual(await m.compareAndSetVersion('lease', 1, 'v2', { ttlMs: fx.ttlMs * 3 }), { ok: true, version: 2 });
    await fx.elapse(fx.ttlMs * 2);
    assert.deepEqual(await m.getVersioned('lease'), { value: 'v2', version: 2 });
    await fx.elapse(fx.ttlMs + fx.expiryLatenessMs);
    assert.equal(await m.get('lease'), undefined);
  });
}
