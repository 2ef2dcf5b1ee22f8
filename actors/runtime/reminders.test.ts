import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActorRef, Reminder } from '../actor-kind.ts';
import { counterKind, Gates, type CounterState } from './testing/counter-kind.ts';
import { ManualClock, type TimerHandle } from '../../core/clock.ts';
import { withFaultyKv } from './testing/faulty-kv.ts';
import { TestCluster } from './testing/harness.ts';

const c1: ActorRef = { kind: 'counter', id: 'c1' };
type Fired = Array<{ id: string; reminder: Reminder; at: number }>;

test('a reminder fires once, at its time, and its firing removes it from the record', async () => {
  const tc = new TestCluster();
  const fired: Fired = [];
  try {
    const a = await tc.start('a', [counterKind({ fired })]);
    const due = tc.clock.now() + 1000;
    await tc.drive(a.ask(c1, { type: 'remind', name: 'r', at: due }));
    await tc.advance(900);
    assert.equal(fired.length, 0);
    await tc.advance(200);
    assert.equal(fired.length, 1);
    assert.equal(fired[0]?.reminder.dueAt, due);
    assert.deepEqual(fired[0]?.reminder.data, { note: 'r' });
    await tc.advance(5000);
    assert.equal(fired.length, 1, 'fired twice');
    const s = await tc.drive(a.ask<CounterState>(c1, { type: 'get' }));
    assert.deepEqual(s.log, ['fired:r']);
  } finally {
    await tc.close();
  }
});

test('a cancelled or replaced reminder does not fire at its old time', async () => {
  const tc = new TestCluster();
  const fired: Fired = [];
  try {
    const a = await tc.start('a', [counterKind({ fired })]);
    const now = tc.clock.now();
    await tc.drive(a.ask(c1, { type: 'remind', name: 'x', at: now + 500 }));
    await tc.drive(a.ask(c1, { type: 'cancel', name: 'x' }));
    await tc.drive(a.ask(c1, { type: 'remind', name: 'y', at: now + 500 }));
    await tc.drive(a.ask(c1, { type: 'remind', name: 'y', at: now + 2000 }));
    await tc.advance(1000);
    assert.equal(fired.length, 0);
    await tc.advance(1500);
    assert.deepEqual(fired.map((f) => f.reminder.name), ['y']);
  } finally {
    await tc.close();
  }
});

test('a passivated actor is woken for its reminder', async () => {
  const tc = new TestCluster({ passivateAfterMs: 500 });
  const fired: Fired = [];
  try {
    const a = await tc.start('a', [counterKind({ fired })]);
    await tc.drive(a.ask(c1, { type: 'remind', name: 'later', at: tc.clock.now() + 10_000 }));
    await tc.advance(2000);
    assert.equal(a.metrics().activations, 0, 'passivated');
    await tc.advance(9000);
    assert.equal(fired.length, 1);
    assert.equal(a.metrics().activationsStarted, 2);
  } finally {
    await tc.close();
  }
});

test('reminders survive a restart of everything on the same data dir, and missed ones catch up once', async () => {
  const tc = new TestCluster();
  const fired: Fired = [];
  try {
    const a = await tc.start('a', [counterKind({ fired })]);
    const t0 = tc.clock.now();
    await tc.drive(a.ask(c1, { type: 'remind', name: 'missed', at: t0 + 1000 }));
    await tc.drive(a.ask({ kind: 'counter', id: 'c2' }, { type: 'remind', name: 'future', at: t0 + 60_000 }));
    await tc.drive(a.stop());
    await tc.restartInfrastructure();
    await tc.clock.advance(30_000); // down while 'missed' was due
    const b = await tc.start('b', [counterKind({ fired })]);
    await tc.advance(500);
    assert.deepEqual(fired.map((f) => [f.id, f.reminder.name, f.reminder.dueAt]), [['c1', 'missed', t0 + 1000]]);
    await tc.advance(30_000);
    assert.deepEqual(fired.map((f) => f.reminder.name), ['missed', 'future']);
    await tc.advance(10_000);
    assert.equal(fired.length, 2, 'a reminder fired twice');
    const s = await tc.drive(b.ask<CounterState>(c1, { type: 'get' }));
    assert.deepEqual(s.log, ['fired:missed']);
  } finally {
    await tc.close();
  }
});

test('a write that fails drops the activation, yet its durable reminder still fires with no message to wake it', async () => {
  const tc = new TestCluster();
  let failing = false;
  tc.bus = withFaultyKv(tc.bus, (bucket) => failing && bucket.endsWith('-records'));
  const fired: Fired = [];
  try {
    const a = await tc.start('a', [counterKind({ fired })]);
    const due = tc.clock.now() + 10_000;
    await tc.drive(a.ask(c1, { type: 'remind', name: 'r', at: due }));
    failing = true; // the store out of reach, as while NATS restarts
    await tc.drive(a.tell(c1, { type: 'add', by: 1 }));
    await tc.advance(3000);
    assert.equal(a.metrics().activations, 0, 'the failed write dropped the activation');
    failing = false;
    await tc.advance(8000);
    assert.deepEqual(fired.map((f) => [f.id, f.reminder.dueAt]), [['c1', due]]);
  } finally {
    await tc.close();
  }
});

test('a shard adopted while the reminder index cannot be read still wakes its actors once it can', async () => {
  const tc = new TestCluster();
  let failing = false;
  tc.bus = withFaultyKv(tc.bus, (bucket) => failing && bucket.endsWith('-reminders'));
  const fired: Fired = [];
  try {
    const a = await tc.start('a', [counterKind({ fired })]);
    const due = tc.clock.now() + 20_000;
    await tc.drive(a.ask(c1, { type: 'remind', name: 'r', at: due }));
    await tc.drive(a.stop());
    failing = true;
    const b = await tc.start('b', [counterKind({ fired })]);
    assert.ok(b.ownedShards().length > 0, 'b took the shards');
    await tc.advance(5000);
    failing = false;
    await tc.advance(16_000);
    assert.deepEqual(fired.map((f) => [f.id, f.reminder.dueAt]), [['c1', due]]);
  } finally {
    await tc.close();
  }
});

/** A clock whose timers fire up to 30 ms early, as Node's do after a busy turn of the event loop (they count from the loop's cached time). */
class EarlyClock extends ManualClock {
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    return super.setTimeout(fn, Math.max(1, ms - 30));
  }
}

test('a reminder timer that fires before the reminder is due is armed again, not forgotten', async () => {
  const tc = new TestCluster({}, new EarlyClock());
  const fired: Fired = [];
  try {
    const a = await tc.start('a', [counterKind({ fired })]);
    const due = tc.clock.now() + 1000;
    await tc.drive(a.ask(c1, { type: 'remind', name: 'r', at: due }));
    await tc.advance(2000, 5);
    assert.deepEqual(fired.map((f) => f.reminder.dueAt), [due]);
    assert.ok((fired[0]?.at ?? 0) >= due, 'fired before it was due');
  } finally {
    await tc.close();
  }
});

test('a reminder set by a turn whose write then fails never fires, even when a wake waits behind that turn in its batch', async () => {
  const tc = new TestCluster();
  let failing = false;
  tc.bus = withFaultyKv(tc.bus, (bucket) => failing && bucket.endsWith('-records'));
  const fired: Fired = [];
  const gates = new Gates();
  try {
    const a = await tc.start('a', [counterKind({ fired, gates })]);
    const t0 = tc.clock.now();
    await tc.drive(a.ask(c1, { type: 'remind', name: 'early', at: t0 + 100 }));
    // One batch: a turn held on a gate, a turn that sets a reminder due at once, then the wake
    // for `early` (its timer fires while the first turn waits).
    await tc.drive(a.tell(c1, { type: 'wait', gate: 'g' }));
    await tc.drive(a.tell(c1, { type: 'remind', name: 'unwritten', at: t0 }));
    await tc.advance(200);
    failing = true;
    gates.release('g');
    await tc.advance(500);
    assert.deepEqual(fired.map((f) => f.reminder.name), [], 'nothing fired on state the store never took');
    failing = false;
    await tc.advance(10_000);
    assert.deepEqual(fired.map((f) => f.reminder.name), ['early'], 'the written reminder fires once the store answers, the unwritten one never');
  } finally {
    await tc.close();
  }
});
