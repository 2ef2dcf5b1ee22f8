/**
 * Read-only asks over the bus: the node answers them at delivery when idle (the envelope carries
 * the flag), and the sender decodes an unchanged reply once (read-replies.ts) but never answers
 * a stale one after a change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError, RavelError } from '../../core/errors.ts';
import { defineActorKind, type ActorRef } from '../actor-kind.ts';
import { ActorClient } from './actor-client.ts';
import { encodeErrorReply, encodeReply } from './envelope.ts';
import { ReadReplies } from './read-replies.ts';
import { counterKind, type CounterState } from './testing/counter-kind.ts';
import { TestCluster } from './testing/harness.ts';

const c1: ActorRef = { kind: 'counter', id: 'c1' };
const READ = { readOnly: true } as const;

test('equal reply bytes give the same value; other bytes are decoded; errors are thrown and not kept', () => {
  const r = new ReadReplies();
  const first = r.decode('k', encodeReply({ id: 2n ** 60n, name: 'a' }));
  assert.deepEqual(first, { id: 2n ** 60n, name: 'a' });
  assert.equal(r.decode('k', encodeReply({ id: 2n ** 60n, name: 'a' })), first, 'decoded again though unchanged');
  const changed = r.decode('k', encodeReply({ id: 2n ** 60n, name: 'b' }));
  assert.deepEqual(changed, { id: 2n ** 60n, name: 'b' });
  assert.throws(() => r.decode('k', encodeErrorReply(new RavelError('NOT_FOUND', 'gone'))), (e) => isRavelError(e, 'NOT_FOUND'));
  assert.equal(r.decode('k', encodeReply({ id: 2n ** 60n, name: 'b' })), changed, 'an error reply replaced the kept one');
  for (let i = 0; i < 5000; i++) r.decode(`k${i}`, encodeReply(i));
  assert.ok(r.size <= 4096, `kept ${r.size} entries`);
});

test('read-only asks over the bus: answered at delivery by an idle actor, unchanged replies shared, changes seen', async () => {
  const tc = new TestCluster();
  try {
    const a = await tc.start('a', [counterKind()]);
    const client = new ActorClient({ bus: tc.bus, clock: tc.clock, shards: 16, askTimeoutMs: 30_000 }).register(counterKind());
    await tc.drive(client.ask(c1, { type: 'add', by: 2 }));
    await tc.drive(client.ask(c1, { type: 'noop' }));
    const before = a.metrics().readsAnsweredAtOnce;
    const r1 = await tc.drive(client.ask<CounterState>(c1, { type: 'get' }, READ));
    const r2 = await tc.drive(client.ask<CounterState>(c1, { type: 'get' }, READ));
    assert.equal(r1.count, 2);
    assert.equal(r2, r1, 'an unchanged reply was decoded again');
    assert.equal(a.metrics().readsAnsweredAtOnce, before + 2, 'the node did not answer the reads at delivery');
    await tc.drive(client.ask(c1, { type: 'add', by: 3 }));
    const r3 = await tc.drive(client.ask<CounterState>(c1, { type: 'get' }, READ));
    assert.equal(r3.count, 5, 'a stale reply after a change');
    // A plain ask is decoded as before: its own object.
    const plain = await tc.drive(client.ask<CounterState>(c1, { type: 'get' }));
    assert.deepEqual(plain, r3);
    assert.notEqual(plain, r3);
  } finally {
    await tc.close();
  }
});

test('a node sends the same object read again as the bytes it encoded before, and encodes a changed one', async () => {
  const tc = new TestCluster();
  /** How many times the reply's field was read: encoding reads it once per reply. */
  let encoded = 0;
  const withTally = (n: number): { n: number } => {
    const o = {} as { n: number };
    Object.defineProperty(o, 'n', { enumerable: true, get: () => (encoded++, n) });
    return o;
  };
  const tally = defineActorKind<{ n: number }, { type: 'get' | 'bump' }, { n: number }>({
    name: 'tally',
    schemaVersion: 1,
    initialState: () => withTally(0),
    decodeMessage: (raw) => raw as { type: 'get' | 'bump' },
    decodeState: (s) => withTally((s as { n: number }).n),
    handle(ctx, msg) {
      if (msg.type === 'bump') ctx.setState(withTally(ctx.state.n + 1));
      return ctx.state;
    },
  });
  const t1: ActorRef = { kind: 'tally', id: 't1' };
  try {
    await tc.start('a', [tally]);
    const client = new ActorClient({ bus: tc.bus, clock: tc.clock, shards: 16, askTimeoutMs: 30_000 }).register(tally);
    await tc.drive(client.ask(t1, { type: 'bump' }));
    const before = encoded;
    assert.equal((await tc.drive(client.ask<{ n: number }>(t1, { type: 'get' }, READ))).n, 1);
    const once = encoded;
    assert.ok(once > before, 'the first read was not encoded');
    for (let i = 0; i < 3; i++) assert.equal((await tc.drive(client.ask<{ n: number }>(t1, { type: 'get' }, READ))).n, 1);
    assert.equal(encoded, once, 'an unchanged object was encoded again');
    await tc.drive(client.ask(t1, { type: 'bump' }));
    assert.equal((await tc.drive(client.ask<{ n: number }>(t1, { type: 'get' }, READ))).n, 2, 'a stale reply after a change');
  } finally {
    await tc.close();
  }
});
