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

  it('writes a batch of compare-and-sets, answering each in order', withFixture(setup, async ({ bus }) => {
    const kv = await bus.kv(uniq());
    const a = await kv.put('a', bytes('a1'));
    const b = await kv.put('b', bytes('b1'));
    const res = await kv.updateMany([
      { key: 'a', value: bytes('a2'), expectedRevision: a },
      { key: 'b', value: bytes('stale'), expectedRevision: b + 100 },
      { key: 'c', value: bytes('c1'), expectedRevision: 0 },
      { key: 'a', value: bytes('create-over-live'), expectedRevision: 0 },
    ]);
    assert.equal(res.length, 4);
    assert.ok(res[0]?.ok && res[0].revision > b);
    assert.deepEqual(res[1], { ok: false });
    assert.ok(res[2]?.ok && res[2].revision > res[0].revision, 'revisions grow in batch order');
    assert.deepEqual(res[3], { ok: false });
    assert.equal(text((await kv.get('a'))?.value ?? new Uint8Array()), 'a2');
    assert.equal((await kv.get('a'))?.revision, res[0].revision);
    assert.equal(text((await kv.get('b'))?.value ?? new Uint8Array()), 'b1');
    assert.equal(text((await kv.get('c'))?.value ?? new Uint8Array()), 'c1');
    assert.deepEqual(await kv.updateMany([]), []);
  }));

  it('applies two writes of one key in a batch in order: the first wins, the second sees it', withFixture(setup, async ({ bus }) => {
    const kv = await bus.kv(uniq());
    const r = await kv.put('k', bytes('v1'));
    const res = await kv.updateMany([
      { key: 'k', value: bytes('first'), expectedRevision: r },
      { key: 'k', value: bytes('second'), expectedRevision: r },
    ]);
    assert.ok(res[0]?.ok);
    assert.deepEqual(res[1], { ok: false });
    assert.equal(text((await kv.get('k'))?.value ?? new Uint8Array()), 'first');
    await assert.rejects(kv.updateMany([{ key: 'ok', value: bytes('x'), expectedRevision: 0 }, { key: 'a b', value: bytes('x'), expectedRevision: 0 }]), hasCode('INVALID_ARGUMENT'));
    assert.equal(await kv.get('ok'), undefined, 'a bad key refuses the batch before anything is written');
  }));

  it('keeps a batch written through a reopen', withFixture(setup, async (fx) => {
    const name = uniq();
    const kv = await fx.bus.kv(name);
    const res = await kv.updateMany(Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: bytes(`v${i}`), expectedRevision: 0 })));
    assert.ok(res.every((x) => x.ok));
    const bus = await fx.reopen();
    const again = await bus.kv(name);
    for (let i = 0; i < 20; i++) assert.equal(text((await again.get(`k${i}`))?.value ?? new Uint8Array()), `v${i}`);
  }));

  it('refuses bad bucket names and keys with INVALID_ARGUMENT', withFixture(setup, async ({ bus }) => {
    await assert.rejects(bus.kv('bad name'), hasCode('INVALID_ARGUMENT'));
    const kv = await bus.kv(uniq());
    for (const k of ['', 'a b', '.a', 'a.', 'a..b', 'a*']) await assert.rejects(kv.put(k, bytes('x')), hasCode('INVALID_ARGUMENT'));
  }));

  it('takes a value of maxValueBytes and refuses one byte more with PAYLOAD_TOO_LARGE, changing nothing', withFixture(setup, async ({ bus }) => {
    const kv = await bus.kv(uniq());
    // What the actor runtime sizes its records by: NATS's default less the headers' room, at least.
    assert.ok(kv.maxValueBytes >= 1000 * 1024, `maxValueBytes ${kv.maxValueBytes}`);
    const full = new Uint8Array(kv.maxValueBytes).fill(7);
    const over = new Uint8Array(kv.maxValueBytes + 1).fill(8);
    const r = await kv.put('full', full);
    assert.ok(Buffer.from(full).equals((await kv.get('full'))?.value ?? new Uint8Array()), 'the full value reads back');
    await assert.rejects(kv.put('full', over), hasCode('PAYLOAD_TOO_LARGE'));
    await assert.rejects(kv.update('full', over, r), hasCode('PAYLOAD_TOO_LARGE'));
    await assert.rejects(kv.create('other', over), hasCode('PAYLOAD_TOO_LARGE'));
    await assert.rejects(
      kv.updateMany([{ key: 'small', value: bytes('x'), expectedRevision: 0 }, { key: 'full', value: over, expectedRevision: r }]),
      hasCode('PAYLOAD_TOO_LARGE'),
    );
    assert.equal((await kv.get('full'))?.revision, r, 'the record kept its revision');
    assert.equal(await kv.get('other'), undefined);
    assert.equal(await kv.get('small'), undefined, 'an oversized value refuses its whole batch before anything is written');
  }));

  it('keeps integers up to 2^64-1 exact through a bucket', withFixture(setup, async ({ bus }) => {
    const kv = await bus.kv(uniq());
    const value = { epoch: 2n ** 63n, id: 2n ** 64n - 1n };
    await kv.put('big', encode(value));
    assert.deepEqual(decode((await kv.get('big'))?.value ?? new Uint8Array()), value);
  }));
}
