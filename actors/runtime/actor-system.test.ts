import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import type { ActorRef } from '../actor-kind.ts';
import { counterKind, Gates, type CounterState } from './testing/counter-kind.ts';
import { TestCluster } from './testing/harness.ts';

const c1: ActorRef = { kind: 'counter', id: 'c1' };

test('ask answers with the turn result and tell is seen by a later ask', async () => {
  const tc = new TestCluster();
  try {
    const a = await tc.start('a', [counterKind()]);
    assert.equal(a.ownedShards().length, 16);
    assert.equal(await tc.drive(a.ask(c1, { type: 'add', by: 2 })), 2);
    await a.tell(c1, { type: 'add', by: 3 });
    const s = await tc.drive(a.ask<CounterState>(c1, { type: 'get' }));
    assert.equal(s.count, 5);
  } finally {
    await tc.close();
  }
});

test('messages from one sender run in the order sent', async () => {
  const tc = new TestCluster();
  try {
    const a = await tc.start('a', [counterKind()]);
    const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
    await Promise.all(sent.map((item) => a.tell(c1, { type: 'append', item })));
    const s = await tc.drive(a.ask<CounterState>(c1, { type: 'get' }));
    assert.deepEqual(s.log, sent);
  } finally {
    await tc.close();
  }
});

test('a full mailbox refuses with MAILBOX_FULL and the accepted messages still run', async () => {
  const tc = new TestCluster({ mailboxCapacity: 2 });
  const gates = new Gates();
  try {
    const a = await tc.start('a', [counterKind({ gates })]);
    const waiting = a.ask(c1, { type: 'wait', gate: 'g' }, { timeoutMs: 60_000 });
    await tc.advance(10); // the wait turn is running: the mailbox is empty again
    await a.tell(c1, { type: 'add', by: 1 });
    await a.tell(c1, { type: 'add', by: 1 });
    await assert.rejects(a.tell(c1, { type: 'add', by: 1 }), (e) => isRavelError(e, 'MAILBOX_FULL'));
    await assert.rejects(a.ask(c1, { type: 'get' }), (e) => isRavelError(e, 'MAILBOX_FULL'));
    gates.release('g');
    assert.equal(await tc.drive(waiting), 0);
    const s = await tc.drive(a.ask<CounterState>(c1, { type: 'get' }));
    assert.equal(s.count, 2);
    const stats = a.metrics().messages.find((m) => m.type === 'add');
    assert.equal(stats?.refused, 1);
    assert.equal(stats?.accepted, 2);
  } finally {
    await tc.close();
  }
});

test('a turn that throws changes nothing: state, reminders and the record stay as they were', async () => {
  const tc = new TestCluster();
  try {
    const a = await tc.start('a', [counterKind()]);
    await tc.drive(a.ask(c1, { type: 'add', by: 7 }));
    const records = await tc.bus.kv('actors-records');
    const before = await records.get('counter.YzE');
    assert.equal(typeof before?.revision, 'number');
    await assert.rejects(tc.drive(a.ask(c1, { type: 'fail' })), (e) => isRavelError(e, 'ILLEGAL_STATE'));
    const s = await tc.drive(a.ask<CounterState>(c1, { type: 'get' }));
    assert.equal(s.count, 7);
    const after = await records.get('counter.YzE');
    assert.equal(after?.revision, before?.revision);
    await tc.advance(100);
    assert.equal(a.metrics().messages.find((m) => m.type === '$reminder'), undefined, 'the failed turn set no reminder');
  } finally {
    await tc.close();
  }
});

test('a message the kind cannot decode is a DECODE_FAILED error to the caller and changes nothing', async () => {
  const tc = new TestCluster();
  try {
    const a = await tc.start('a', [counterKind()]);
    await tc.drive(a.ask(c1, { type: 'add', by: 1 }));
    await assert.rejects(a.ask(c1, { type: 'add', by: 'x' } as never), (e) => isRavelError(e, 'DECODE_FAILED'));
    await assert.rejects(a.tell(c1, { type: 'explode' }), (e) => isRavelError(e, 'DECODE_FAILED'));
    const s = await tc.drive(a.ask<CounterState>(c1, { type: 'get' }));
    assert.equal(s.count, 1);
    assert.equal(a.metrics().messages.find((m) => m.type === 'add')?.refused, 1);
  } finally {
    await tc.close();
  }
});

test('a retried command with the same idempotency key gets the first reply and applies once', async () => {
  const tc = new TestCluster({ passivateAfterMs: 1000 });
  try {
    const a = await tc.start('a', [counterKind()]);
    assert.equal(await tc.drive(a.ask(c1, { type: 'add', by: 5 }, { idempotencyKey: 'k1' })), 5);
    assert.equal(await tc.drive(a.ask(c1, { type: 'add', by: 5 }, { idempotencyKey: 'k1' })), 5);
    await a.tell(c1, { type: 'add', by: 5 }, { idempotencyKey: 'k1' });
    assert.equal(await tc.drive(a.ask(c1, { type: 'add', by: 1 }, { idempotencyKey: 'k2' })), 6);
    // The keys are in the durable record: they survive passivation.
    await tc.advance(3000);
    assert.equal(a.metrics().passivations, 1);
    assert.equal(await tc.drive(a.ask(c1, { type: 'add', by: 5 }, { idempotencyKey: 'k1' })), 5);
    const s = await tc.drive(a.ask<CounterState>(c1, { type: 'get' }));
    assert.equal(s.count, 6);
  } finally {
    await tc.close();
  }
});

test('an idle actor is passivated and comes back with its state on the next message', async () => {
  const tc = new TestCluster({ passivateAfterMs: 1000 });
  try {
    const a = await tc.start('a', [counterKind()]);
    await tc.drive(a.ask(c1, { type: 'add', by: 4 }));
    assert.equal(a.metrics().activations, 1);
    await tc.advance(400);
    assert.equal(a.metrics().activations, 1, 'not idle long enough yet');
    await tc.advance(2000);
    assert.equal(a.metrics().activations, 0);
    assert.equal(a.metrics().passivations, 1);
    const s = await tc.drive(a.ask<CounterState>(c1, { type: 'get' }));
    assert.equal(s.count, 4);
    assert.equal(a.metrics().activationsStarted, 2);
  } finally {
    await tc.close();
  }
});
