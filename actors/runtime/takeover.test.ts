import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '../../core/codec.ts';
import type { ActorRef } from '../actor-kind.ts';
import type { ActorSystem } from './actor-system.ts';
import { counterKind, Gates, type CounterState } from './testing/counter-kind.ts';
import { TestCluster } from './testing/harness.ts';
import { HangingGrid } from './testing/hanging-grid.ts';
import { shardOf } from './shard-hash.ts';

const refs: ActorRef[] = Array.from({ length: 24 }, (_, i) => ({ kind: 'counter', id: `c${i}` }));

/** An actor whose shard `sys` owns. */
function ownedBy(sys: ActorSystem): ActorRef {
  const owned = new Set(sys.ownedShards());
  const ref = refs.find((r) => owned.has(shardOf(r.kind, r.id, sys.settings.shards)));
  assert.ok(ref !== undefined, `${sys.nodeId} owns none of the test actors`);
  return ref;
}

async function balanced(tc: TestCluster, a: ActorSystem, b: ActorSystem): Promise<void> {
  const total = (): number => a.ownedShards().length + b.ownedShards().length;
  await tc.until(() => total() === 16 && a.ownedShards().length <= 10 && b.ownedShards().length >= 6, 60_000, 50);
}

test('a joining node takes a fair share and every actor answers from either node', async () => {
  const tc = new TestCluster();
  try {
    const a = await tc.start('a', [counterKind()]);
    for (const r of refs) await tc.drive(a.ask(r, { type: 'add', by: 1 }));
    const b = await tc.start('b', [counterKind()]);
    await balanced(tc, a, b);
    const sa = a.ownedShards();
    const sb = b.ownedShards();
    assert.ok(sa.length >= 6 && sb.length >= 6, `unfair split ${sa.length}/${sb.length}`);
    assert.deepEqual([...sa, ...sb].sort((x, y) => x - y), Array.from({ length: 16 }, (_, i) => i));
    for (const r of refs) {
      assert.equal(await tc.drive(b.ask(r, { type: 'add', by: 1 })), 2, `${r.id} via b`);
      assert.equal(await tc.drive(a.ask(r, { type: 'add', by: 1 })), 3, `${r.id} via a`);
    }
  } finally {
    await tc.close();
  }
});

test('a node that stops hands its shards over with their state', async () => {
  const tc = new TestCluster();
  try {
    const a = await tc.start('a', [counterKind()]);
    const b = await tc.start('b', [counterKind()]);
    await balanced(tc, a, b);
    for (const r of refs) await tc.drive(b.ask(r, { type: 'add', by: 5 }));
    const started = tc.clock.now();
    await tc.drive(a.stop());
    await tc.until(() => b.ownedShards().length === 16, 5000);
    const took = tc.clock.now() - started;
    assert.ok(took < 1000, `a graceful hand-over waits for no lease to expire (took ${took} ms)`);
    for (const r of refs) assert.equal((await tc.drive(b.ask<CounterState>(r, { type: 'get' }))).count, 5);
  } finally {
    await tc.close();
  }
});

test('a dead node loses its shards when its leases expire, and its actors answer again within 5 s', async () => {
  const tc = new TestCluster();
  try {
    const a = await tc.start('a', [counterKind()]);
    const b = await tc.start('b', [counterKind()]);
    await balanced(tc, a, b);
    const victim = ownedBy(a);
    await tc.drive(b.ask(victim, { type: 'add', by: 1 }));
    await tc.drive(a.halt());
    const died = tc.clock.now();
    const count = await tc.drive(b.ask(victim, { type: 'add', by: 1 }, { timeoutMs: 10_000 }), 20);
    const unavailableMs = tc.clock.now() - died;
    assert.equal(count, 2);
    assert.ok(unavailableMs < 5000, `unavailable for ${unavailableMs} ms`);
    assert.equal(b.ownedShards().length, 16);
    console.log(`# takeover after a dead node: ${unavailableMs} ms of clock time (leaseMs ${b.settings.leaseMs})`);
  } finally {
    await tc.close();
  }
});

test('an old owner whose lease was taken cannot write: its late turn is fenced and never lands', async () => {
  const tc = new TestCluster();
  const gates = new Gates();
  try {
    const a = await tc.start('a', [counterKind({ gates })]);
    const b = await tc.start('b', [counterKind({ gates })]);
    await balanced(tc, a, b);
    const x = ownedBy(a);
    await tc.drive(a.ask(x, { type: 'add', by: 1 }));
    const late = a.ask(x, { type: 'wait', gate: 'g' }, { timeoutMs: 30_000 });
    await tc.advance(10);
    a.suspendPlacement(); // frozen: a stops renewing, but its turn is still in progress
    await tc.advance(4000);
    assert.ok(b.ownedShards().includes(shardOf(x.kind, x.id, 16)), 'b took the frozen shard');
    assert.equal(await tc.drive(b.ask(x, { type: 'add', by: 10 })), 11);
    gates.release('g'); // a's turn finishes now and tries to write
    const answer = await tc.drive(late, 20);
    assert.equal(answer, 11, 'the retried ask ran on the new owner');
    assert.equal(a.metrics().fenced, 1);
    const s = await tc.drive(b.ask<CounterState>(x, { type: 'get' }));
    assert.deepEqual(s.log, ['waited:g'], 'exactly one run of the turn landed');
    const rec = await (await tc.bus.kv('actors-records')).get(`counter.${Buffer.from(x.id).toString('base64url')}`);
    const stored = decode(rec?.value ?? new Uint8Array()) as { s: CounterState };
    assert.equal(stored.s.count, 11);
  } finally {
    await tc.close();
  }
});

test('a node whose grid stops answering (cut off) gives its shards up once their leases run out', async () => {
  const tc = new TestCluster();
  const cut = new HangingGrid();
  try {
    const a = await tc.start('a', [counterKind()], {}, (g) => cut.wrap(g));
    for (const r of refs.slice(0, 4)) await tc.drive(a.ask(r, { type: 'add', by: 1 }));
    assert.equal(a.ownedShards().length, 16);
    cut.hanging = true; // renewals neither answer nor fail, as across a partition
    await tc.advance(a.settings.leaseMs + 2 * a.settings.tickMs);
    assert.deepEqual(a.ownedShards(), [], 'shards kept past their leases');
  } finally {
    cut.release();
    await tc.close();
  }
});
