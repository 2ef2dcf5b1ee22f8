/** Conformance cases: key-value buckets (revisions, compare-and-set, delete, keys). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decode, encode } from '../../core/codec.ts';
import { bytes, hasCode, text, uniq, withFixture, type FixtureFactory } from './fixture.ts';

export function kvCases(setup: FixtureFactory): void {
  it('puts and gets with growing revisions', withFixture(setup, async ({ bus }) => {
    const kv = await bus.kv(uniq());
    assert.equal(await kv.get('missing'), undefined);
    const r1 = await kv.put('a', bytes('1'));
    const r2 = await kv.put('a', bytes('2'));
    const r3 = await kv.put('b.c', bytes('3'));
    assert.ok(r1 > 0 && r2 > r1 && r3 > r2);
    const e = await kv.get('a');
    assert.equal(text(e?.value ?? new Uint8Array()), '2');
    assert.equal(e?.revision, r2);
    assert.equal(e?.key, 'a');
  }));

  it('creates only when absent and updates only at the expected revision', withFixture(setup, async ({ bus }) => {
    const kv = await bus.kv(uniq());
    const created = await kv.create('k', bytes('v1'));
    assert.ok(created.ok);
    assert.deepEqual(await kv.create('k', bytes('again')), { ok: false });
    assert.deepEqual(await kv.update('k', bytes('stale'), created.revision + 100), { ok: false });
    const updated = await kv.update('k', bytes('v2'), created.revision);
    assert.ok(updated.ok && updated.revision > created.revision);
    assert.deepEqual(await kv.update('k', bytes('v3'), created.revision), { ok: false });
    assert.equal(text((await kv.get('k'))?.value ?? new Uint8Array()), 'v2');
  }));

  it('deletes, with an expected revision only when it matches, and allows create again', withFixture(setup, async ({ bus }) => {
    const kv = await bus.kv(uniq());
    const r = await kv.put('k', bytes('v'));
    assert.deepEqual(await kv.delete('k', r + 100), { ok: false });
    assert.ok((await kv.get('k')) !== undefined);
    const del = await kv.delete('k', r);
    assert.ok(del.ok && del.revision > r);
    assert.equal(await kv.get('k'), undefined);
    assert.ok((await kv.create('k', bytes('again'))).ok);
    await kv.put('j', bytes('x'));
    assert.ok((await kv.delete('j')).ok);
    assert.equal(await kv.get('j'), undefined);
  }));

  it('lists live keys, optionally by prefix', withFixture(setup, async ({ bus }) => {
    const kv = await bus.kv(uniq());
    for (const k of ['app.1', 'app.2', 'host.1', 'apple']) await kv.put(k, bytes(k));
    await kv.delete('app.2');
    assert.deepEqual((await kv.keys()).sort(), ['app.1', 'apple', 'host.1']);
    assert.deepEqual((await kv.keys('app.')).sort(), ['app.1']);
    assert.deepEqual((await kv.keys('app')).sort(), ['app.1', 'apple']);
    assert.deepEqual(await kv.keys('none'), []);
  }));

  it('lets exactly one of many concurrent compare-and-sets win', withFixture(setup, async ({ bus }) => {
    const kv = await bus.kv(uniq());
    const creates = await Promise.all(Array.from({ length: 16 }, (_, i) => kv.create('c', bytes(`c${i}`))));
    assert.equal(creates.filter((r) => r.ok).length, 1, 'one create wins');
    const base = (await kv.get('c'))?.revision ?? 0;
    const updates = await Promise.all(Array.from({ length: 16 }, (_, i) => kv.update('c', bytes(`u${i}`), base)));
    const winners = updates.flatMap((r, i) => (r.ok ? [i] : []));
    assert.equal(winners.length, 1, 'one update wins');
    assert.equal(text((await kv.get('c'))?.value ?? new Uint8Array()), `u${winners[0]}`);
  }));

  it('refuses bad bucket names and keys with INVALID_ARGUMENT', withFixture(setup, async ({ bus }) => {
    await assert.rejects(bus.kv('bad name'), hasCode('INVALID_ARGUMENT'));
    const kv = await bus.kv(uniq());
    for (const k of ['', 'a b', '.a', 'a.', 'a..b', 'a*']) await assert.rejects(kv.put(k, bytes('x')), hasCode('INVALID_ARGUMENT'));
  }));

  it('keeps integers up to 2^64-1 exact through a bucket', withFixture(setup, async ({ bus }) => {
    const kv = await bus.kv(uniq());
    const value = { epoch: 2n ** 63n, id: 2n ** 64n - 1n };
    await kv.put('big', encode(value));
    assert.deepEqual(decode((await kv.get('big'))?.value ?? new Uint8Array()), value);
  }));
}
