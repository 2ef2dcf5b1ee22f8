import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RavelError } from '../../core/errors.ts';
import { defineActorKind, type ActorRef } from '../actor-kind.ts';
import type { TraceEvent } from './shard-host.ts';
import { counterKind } from './testing/counter-kind.ts';
import { realPause, TestCluster } from './testing/harness.ts';
import { holdRecordWrites } from './testing/held-records.ts';
import { ActorSystem } from './actor-system.ts';
import { defaults } from '../../config/schema.ts';
import { silentLogger } from '../../core/log.ts';

const c1: ActorRef = { kind: 'counter', id: 'c1' };

test('the reply of a state-changing ask waits for the durable write', async () => {
  const tc = new TestCluster();
  try {
    // A bus whose record bucket holds every update until the test lets it through.
    const held = holdRecordWrites(tc.bus);
    const bus = held.bus;
    const sys = new ActorSystem({ nodeId: 'a', grid: tc.grid, bus, clock: tc.clock, config: { ...defaults.actors, shards: 4 }, log: silentLogger });
    sys.register(counterKind());
    await tc.drive(sys.start());
    let answered = false;
    const reply = sys.ask(c1, { type: 'add', by: 1 }).then((v) => ((answered = true), v));
    for (let i = 0; i < 20; i++) await realPause();
    assert.equal(answered, false, 'answered before the write was durable');
    held.release();
    assert.equal(await tc.drive(reply), 1);
    await tc.drive(sys.halt());
  } finally {
    await tc.close();
  }
});

test('state and messages carry the schema version: a v2 node reads v1 state and v1 messages', async () => {
  const tc = new TestCluster();
  const seen: Array<[string, number]> = [];
  interface V2 { total: number }
  const v2 = defineActorKind<V2, { type: 'add'; by: number } | { type: 'get' }, number>({
    name: 'counter',
    schemaVersion: 2,
    initialState: () => ({ total: 0 }),
    decodeMessage(raw, from) {
      seen.push(['message', from]);
      const m = raw as { type: string; by?: number; amount?: number };
      // v1 senders say `by`; v2 says `amount`.
      if (m.type === 'add') return { type: 'add', by: (from < 2 ? m.by : m.amount) ?? 0 };
      if (m.type === 'get') return { type: 'get' };
      throw new RavelError('DECODE_FAILED', 'unknown');
    },
    decodeState(stored, from) {
      seen.push(['state', from]);
      return from < 2 ? { total: (stored as { count: number }).count } : (stored as V2);
    },
    handle(ctx, msg) {
      if (msg.type === 'add') ctx.setState({ total: ctx.state.total + msg.by });
      return ctx.state.total;
    },
  });
  try {
    const old = await tc.start('old', [counterKind()]);
    await tc.drive(old.ask(c1, { type: 'add', by: 4 }));
    const neu = await tc.start('new', [v2]);
    await tc.drive(old.stop());
    await tc.until(() => neu.ownedShards().length === 16, 10_000);
    assert.equal(await tc.drive(neu.ask(c1, { type: 'add', amount: 1 })), 5);
    assert.deepEqual(seen.find(([w]) => w === 'state'), ['state', 1]);
    assert.ok(seen.some(([w, v]) => w === 'message' && v === 2));
    // A node not upgraded yet sends v1 messages over the bus; the v2 owner reads them as v1.
    const sender = tc.node('sender', [counterKind()]);
    await tc.drive(sender.start());
    sender.suspendPlacement(); // it takes no shards: every message goes over the bus
    assert.equal(sender.ownedShards().length, 0);
    assert.equal(await tc.drive(sender.ask(c1, { type: 'add', by: 2 })), 7);
    assert.ok(seen.some(([w, v]) => w === 'message' && v === 1));
  } finally {
    await tc.close();
  }
});

test('every message passes the one door: counted per kind and type, timed, and traced', async () => {
  const events: TraceEvent[] = [];
  const tc = new TestCluster();
  try {
    const sys = new ActorSystem({ nodeId: 'a', grid: tc.grid, bus: tc.bus, clock: tc.clock, config: { ...defaults.actors, shards: 4 }, log: silentLogger, trace: (e) => events.push(e) });
    sys.register(counterKind());
    await tc.drive(sys.start());
    await tc.drive(sys.ask(c1, { type: 'add', by: 1 }));
    await tc.drive(sys.ask(c1, { type: 'get' }));
    await assert.rejects(tc.drive(sys.ask(c1, { type: 'fail' })));
    const m = sys.metrics();
    const add = m.messages.find((x) => x.type === 'add');
    assert.equal(add?.completed, 1);
    assert.equal(add?.latency.count, 1);
    assert.equal(m.messages.find((x) => x.type === 'fail')?.failed, 1);
    assert.equal(m.commits.count, 1);
    assert.deepEqual(events.map((e) => `${e.phase}:${e.type}`), ['accepted:add', 'completed:add', 'accepted:get', 'completed:get', 'accepted:fail', 'failed:fail']);
    await tc.drive(sys.halt());
  } finally {
    await tc.close();
  }
});
