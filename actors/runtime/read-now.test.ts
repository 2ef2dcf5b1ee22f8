/**
 * The read fast path (read-now.ts): an idle actor answers a read-only ask at delivery; a read
 * during a turn or while a batch's write is pending still waits for them and sees their state;
 * a "read" that changes state or sends still gets a real turn, and its change is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaults } from '../../config/schema.ts';
import { isRavelError } from '../../core/errors.ts';
import { silentLogger } from '../../core/log.ts';
import { defineActorKind, type ActorRef } from '../actor-kind.ts';
import { ActorSystem } from './actor-system.ts';
import { counterKind, Gates, type CounterState } from './testing/counter-kind.ts';
import { realPause, TestCluster } from './testing/harness.ts';
import { holdRecordWrites } from './testing/held-records.ts';

const c1: ActorRef = { kind: 'counter', id: 'c1' };
const READ = { readOnly: true } as const;

/** Whether `p` settles within a few real event-loop turns. */
async function settlesSoon(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 20; i++) await realPause();
  return settled;
}

test('an idle actor answers a read-only ask at delivery, with its written state', async () => {
  const tc = new TestCluster();
  try {
    const a = await tc.start('a', [counterKind()]);
    assert.equal(await tc.drive(a.ask(c1, { type: 'add', by: 3 })), 3);
    await tc.drive(a.ask(c1, { type: 'noop' })); // the add's batch is behind us: idle
    const before = a.metrics().readsAnsweredAtOnce;
    const s = await a.ask<CounterState>(c1, { type: 'get' }, READ);
    assert.equal(s.count, 3);
    assert.equal(a.metrics().readsAnsweredAtOnce, before + 1);
    const stats = a.metrics().messages.find((m) => m.type === 'get');
    assert.equal(stats?.accepted, 1);
    assert.equal(stats?.completed, 1);
    // An error is an answer too, and the state it staged is dropped as a failed turn's is.
    await assert.rejects(a.ask(c1, { type: 'fail' }, READ), (e) => isRavelError(e, 'ILLEGAL_STATE'));
    assert.equal((await a.ask<CounterState>(c1, { type: 'get' }, READ)).count, 3);
  } finally {
    await tc.close();
  }
});

test('a read-only ask during a running turn waits for it and its write, and sees its change', async () => {
  const tc = new TestCluster();
  const gates = new Gates();
  try {
    const a = await tc.start('a', [counterKind({ gates })]);
    await tc.drive(a.ask(c1, { type: 'noop' }));
    const waiting = a.ask(c1, { type: 'wait', gate: 'g' }, { timeoutMs: 60_000 });
    await tc.advance(10); // the wait turn is running, the mailbox empty
    const before = a.metrics().readsAnsweredAtOnce;
    const read = a.ask<CounterState>(c1, { type: 'get' }, { ...READ, timeoutMs: 60_000 });
    assert.equal(await settlesSoon(read), false, 'a read overtook a running turn');
    gates.release('g');
    await tc.drive(waiting);
    assert.deepEqual((await tc.drive(read)).log, ['waited:g']);
    assert.equal(a.metrics().readsAnsweredAtOnce, before, 'answered outside the mailbox while a turn ran');
  } finally {
    await tc.close();
  }
});

test('a read-only ask while a batch waits for its write is answered after the write, with the written state', async () => {
  const tc = new TestCluster();
  try {
    const held = holdRecordWrites(tc.bus, false);
    const bus = held.bus;
    const sys = new ActorSystem({ nodeId: 'a', grid: tc.grid, bus, clock: tc.clock, config: { ...defaults.actors, shards: 4 }, log: silentLogger });
    sys.register(counterKind());
    await tc.drive(sys.start());
    await tc.drive(sys.ask(c1, { type: 'add', by: 1 }));
    held.holding = true;
    const add = sys.ask(c1, { type: 'add', by: 1 }, { timeoutMs: 60_000 });
    await tc.advance(10); // the add ran; its write is held
    const read = sys.ask<CounterState>(c1, { type: 'get' }, { ...READ, timeoutMs: 60_000 });
    assert.equal(await settlesSoon(read), false, 'a read saw state that was not yet written');
    held.release();
    assert.equal(await tc.drive(add), 2);
    assert.equal((await tc.drive(read)).count, 2);
    assert.equal(sys.metrics().readsAnsweredAtOnce, 0);
    await tc.drive(sys.halt());
  } finally {
    await tc.close();
  }
});

test('a "read" that changes state or sends still gets a turn: the change is written, the send made once', async () => {
  const tc = new TestCluster();
  const told: string[] = [];
  // `peek` sends to c1 before answering: not a pure read, whatever its sender says.
  const sender = defineActorKind<null, { type: 'peek' }, number>({
    name: 'peeker',
    schemaVersion: 1,
    initialState: () => null,
    decodeMessage: (raw) => raw as { type: 'peek' },
    decodeState: () => null,
    async handle(ctx) {
      told.push(ctx.self.id);
      await ctx.actors.tell(c1, { type: 'add', by: 10 });
      return told.length;
    },
  });
  try {
    const a = await tc.start('a', [counterKind(), sender]);
    await tc.drive(a.ask(c1, { type: 'noop' }));
    assert.equal(await tc.drive(a.ask(c1, { type: 'add', by: 2 }, READ)), 2);
    assert.equal(a.metrics().readsAnsweredAtOnce, 0);
    const p: ActorRef = { kind: 'peeker', id: 'p1' };
    await tc.drive(a.ask(p, { type: 'peek' }));
    const before = told.length;
    await tc.drive(a.ask(p, { type: 'peek' }, READ));
    // The fast path ran the handler once and refused its send; the turn ran it again and sent.
    assert.equal(told.length, before + 2);
    const s = await tc.drive(a.ask<CounterState>(c1, { type: 'get' }));
    assert.equal(s.count, 22, 'each peek turn told once, the refused fast-path send never left');
    assert.equal(a.metrics().readsAnsweredAtOnce, 0);
  } finally {
    await tc.close();
  }
});

test('a local read answered at delivery reads the message as sent; one that takes a turn is decoded first', async () => {
  const tc = new TestCluster();
  let decoded = 0;
  type ProbeMsg = { type: 'read' | 'write'; decoded?: true };
  const probe = defineActorKind<number, ProbeMsg, { decoded: boolean; value: number }>({
    name: 'probe',
    schemaVersion: 1,
    initialState: () => 0,
    decodeMessage: (raw) => {
      decoded++;
      return { ...(raw as ProbeMsg), decoded: true };
    },
    decodeState: (s) => s as number,
    handle(ctx, msg) {
      if (msg.type === 'write') ctx.setState(ctx.state + 1);
      return { decoded: msg.decoded === true, value: ctx.state };
    },
  });
  const p: ActorRef = { kind: 'probe', id: 'p1' };
  try {
    const a = await tc.start('a', [probe]);
    await tc.drive(a.ask(p, { type: 'write' }));
    const before = decoded;
    const read = await a.ask<{ decoded: boolean; value: number }>(p, { type: 'read' }, READ);
    assert.deepEqual(read, { decoded: false, value: 1 }, 'answered at delivery from the message as sent');
    assert.equal(decoded, before);
    // Marked read-only but it writes: it takes a turn, with the decoded message, and the write is kept.
    const wrote = await tc.drive(a.ask<{ decoded: boolean; value: number }>(p, { type: 'write' }, READ));
    assert.deepEqual(wrote, { decoded: true, value: 2 });
    assert.equal(decoded, before + 1);
    // Without the read-only mark every message is decoded.
    assert.deepEqual(await tc.drive(a.ask(p, { type: 'read' })), { decoded: true, value: 2 });
  } finally {
    await tc.close();
  }
});

test('readNow answers a pure read of an idle local actor during the call; otherwise undefined, and nothing runs', async () => {
  const tc = new TestCluster();
  const gates = new Gates();
  try {
    const a = await tc.start('a', [counterKind({ gates })]);
    assert.equal(a.readNow(c1, { type: 'get' }), undefined, 'an actor not yet live here is not read now');
    await tc.drive(a.ask(c1, { type: 'add', by: 4 }));
    await tc.drive(a.ask(c1, { type: 'noop' }));
    const now = a.readNow<CounterState>(c1, { type: 'get' });
    assert.equal(now?.ok, true);
    assert.equal(now?.ok === true ? now.value.count : undefined, 4);
    const refused = a.readNow(c1, { type: 'fail' });
    assert.equal(refused?.ok, false, 'a handler that throws answers its error');
    assert.ok(refused?.ok === false && isRavelError(refused.error, 'ILLEGAL_STATE'));
    assert.equal(a.readNow(c1, { type: 'add', by: 1 }), undefined, 'a change is not a read');
    assert.equal((await tc.drive(a.ask<CounterState>(c1, { type: 'get' }))).count, 4, 'the refused change ran nowhere');
    const waiting = a.ask(c1, { type: 'wait', gate: 'g' }, { timeoutMs: 60_000 });
    await tc.advance(10);
    assert.equal(a.readNow(c1, { type: 'get' }), undefined, 'read during a running turn');
    gates.release('g');
    await tc.drive(waiting);
  } finally {
    await tc.close();
  }
});
