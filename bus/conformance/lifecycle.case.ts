/** Conformance cases: use after close, and durable state found again after a reopen. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { WorkMessage } from '../bus.ts';
import { bytes, hasCode, settle, text, uniq, waitFor, withFixture, type FixtureFactory } from './fixture.ts';

export function lifecycleCases(setup: FixtureFactory): void {
  it('fails every call with CLOSED after close', withFixture(setup, async ({ bus }) => {
    const s = uniq();
    await bus.streams.ensure({ name: s, subjects: [`${s}.>`], retention: 'limits' });
    const kv = await bus.kv(uniq());
    await bus.close();
    assert.throws(() => bus.publish(s, bytes('x')), hasCode('CLOSED'));
    assert.throws(() => bus.subscribe(s, () => undefined), hasCode('CLOSED'));
    await assert.rejects(bus.request(s, bytes('x'), { timeoutMs: 100 }), hasCode('CLOSED'));
    await assert.rejects(bus.flush(), hasCode('CLOSED'));
    await assert.rejects(bus.streams.publish(`${s}.a`, bytes('x')), hasCode('CLOSED'));
    await assert.rejects(bus.streams.info(s), hasCode('CLOSED'));
    await assert.rejects(bus.kv(uniq()), hasCode('CLOSED'));
    await assert.rejects(kv.put('a', bytes('x')), hasCode('CLOSED'));
    await assert.rejects(kv.get('a'), hasCode('CLOSED'));
    await bus.close();
  }));

  it('finds streams, consumer positions and buckets intact after a reopen', withFixture(setup, async (fx) => {
    const s = uniq();
    const b = uniq();
    await fx.bus.streams.ensure({ name: s, subjects: [`${s}.>`], retention: 'limits' });
    for (let i = 1; i <= 4; i++) await fx.bus.streams.publish(`${s}.x`, bytes(String(i)), { msgId: `m${i}` });
    const kv = await fx.bus.kv(b);
    const rev = await kv.put('k', bytes('v'));
    const got: WorkMessage[] = [];
    const c = await fx.bus.streams.consume(s, { consumer: 'w', ackWaitMs: 1000 }, async (m) => {
      got.push(m);
      if (m.seq <= 2) await m.ack();
    });
    await waitFor('three deliveries', () => got.length === 3);
    await settle(50);
    await c.stop();

    const bus = await fx.reopen();
    assert.deepEqual(await bus.streams.info(s), { firstSeq: 1, lastSeq: 4, messages: 4 });
    assert.equal((await bus.streams.publish(`${s}.x`, bytes('4'), { msgId: 'm4' })).duplicate, true);
    const kv2 = await bus.kv(b);
    assert.equal((await kv2.get('k'))?.revision, rev);
    assert.deepEqual(await kv2.update('k', bytes('w'), rev + 1), { ok: false });
    const after: WorkMessage[] = [];
    const c2 = await bus.streams.consume(s, { consumer: 'w', ackWaitMs: 1000 }, async (m) => {
      after.push(m);
      await m.ack();
    });
    await fx.advance(1100);
    await waitFor('the unacknowledged and the new', () => after.length === 2, 8000);
    await c2.stop();
    assert.deepEqual(after.map((m) => [text(m.data), m.seq]).sort(), [['3', 3], ['4', 4]]);
  }));
}
