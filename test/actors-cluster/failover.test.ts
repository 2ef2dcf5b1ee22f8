/**
 * Three counter-node processes on a three-server NATS JetStream cluster (records with replicas 3)
 * and two Hazelcast members. A client in this process sends 10,000 increments to 100 counters,
 * each with its own idempotency key and retried with it until acknowledged. Meanwhile one node
 * is killed (SIGKILL) and another frozen (SIGSTOP) until its leases have moved, then thawed
 * (SIGCONT). Every counter must end at exactly the increments sent to it, and its record must
 * hold each key once: nothing lost, nothing applied twice, no late write of the frozen node.
 *
 * A counter of the frozen node is kept busy across the freeze, and the new owner claims its
 * record while the old one is frozen. Whether the thawed node then still tries a write (and is
 * FENCED) depends on whether turns were queued behind a write at the instant of SIGSTOP; usually
 * none were, and its lease check refuses what it reads after thawing. The fenced count is
 * reported; actors/runtime/takeover.test.ts forces the fenced late write deterministically.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from '../../actors/runtime/actor-record.ts';
import { actorKey } from '../../actors/runtime/actor-address.ts';
import { shardOf } from '../../actors/runtime/shard-hash.ts';
import type { ActorRef } from '../../actors/actor-kind.ts';
import type { CounterState } from '../../actors/runtime/testing/counter-kind.ts';
import { missingHazelcast, missingNats, needs } from '../harness/requirements.ts';
import { waitUntil } from '../harness/child-process.ts';
import { ActorCluster } from './cluster.ts';
import { counterRefs, hammer, sendIncrements } from './increments.ts';

const shards = 32;
const counters = 100;
const perCounter = 100;
const killAt = 2_000;
const freezeAt = 5_000;

let cluster: ActorCluster | undefined;
after(async () => {
  await cluster?.stop();
});

test('10,000 idempotent increments through a SIGKILL and a SIGSTOP/SIGCONT of nodes: every counter exact, each key applied once', async (t) => {
  if (!needs(t, missingNats(), missingHazelcast())) return;
  const c = (cluster = await ActorCluster.start({ natsCluster: true, hazelcastMembers: 2, nodes: 3, shards }));
  const [r0] = await c.settled(['n0', 'n1', 'n2']);
  const refs = counterRefs(counters);
  const dying = refs.filter((r) => r0?.shards.includes(shardOf(r.kind, r.id, shards)) === true);
  assert.ok(dying.length > 0, 'the node to be killed owns some counters');

  let killedAt = 0;
  const unavailableMs: number[] = [];
  let probes: Promise<unknown> = Promise.resolve();
  type Frozen = { fenced: number; frozenMs: number; hotSent: number; hot: ActorRef };
  let frozen: Promise<Frozen> | undefined;
  const freeze = async (): Promise<Frozen> => {
    await probes;
    const [n1Before] = await c.settled(['n1', 'n2']);
    // A counter of n1's kept busy, so n1 is frozen with turns queued behind a write.
    const hot = Array.from({ length: 1000 }, (_, i) => ({ kind: 'counter', id: `hot${i}` }))
      .find((r) => n1Before?.shards.includes(shardOf(r.kind, r.id, shards)) === true);
    assert.ok(hot !== undefined);
    const busy = hammer(c.client, hot, 32);
    await new Promise((r) => setTimeout(r, 1000));
    const n1 = c.node('n1');
    n1.signal('SIGSTOP');
    const stoppedAt = Date.now();
    // Frozen until the other node holds every shard: n1's leases have expired and moved.
    await waitUntil('n2 takes every shard', async () => (await c.report('n2')).shards.length === shards, 30_000);
    // n2 activates the busy counter, claiming its record with the newer epoch; n1, frozen, still
    // holds that counter's queued turns, which will try to write when it thaws.
    for (;;) {
      try {
        await c.client.ask(hot, { type: 'get' }, { timeoutMs: 300 });
        break;
      } catch {
        // it went to the frozen node; n2 answers one of the next ones
      }
    }
    n1.signal('SIGCONT');
    const frozenMs = Date.now() - stoppedAt;
    await c.balanced(['n1', 'n2']);
    const hotSent = await busy.stop();
    return { fenced: (await c.report('n1')).fenced, frozenMs, hotSent, hot };
  };

  const started = Date.now();
  const run = await sendIncrements(c.client, refs, perCounter, 64, (n) => {
    if (n === killAt) {
      c.node('n0').signal('SIGKILL');
      killedAt = Date.now();
      // The first successful asks to actors the dead node owned: how long they were unavailable.
      // An ask sent to the node as it died waits out its deadline: probe with short ones.
      probes = Promise.all(dying.slice(0, 8).map(async (r) => {
        while (Date.now() - killedAt < 30_000) {
          try {
            await c.client.ask(r, { type: 'get' }, { timeoutMs: 500 });
            unavailableMs.push(Date.now() - killedAt);
            return;
          } catch {
            await new Promise((res) => setTimeout(res, 20));
          }
        }
      }));
    }
    if (n === freezeAt) frozen = freeze();
  });
  const elapsed = Date.now() - started;
  await probes;
  assert.ok(frozen !== undefined, 'the freeze happened during the run');
  const { fenced, frozenMs, hotSent, hot } = await frozen;

  unavailableMs.sort((a, b) => a - b);
  t.diagnostic(`${run.acknowledged} increments acknowledged in ${elapsed} ms with ${run.retries} retries (${[...run.errors].map(([k, v]) => `${k}: ${v}`).join(', ')})`);
  t.diagnostic(`dead node's actors unavailable: first answer ${unavailableMs[0]} ms after SIGKILL, last of ${unavailableMs.length} probes ${unavailableMs.at(-1)} ms`);
  const fencedLogs = c.node('n1').output().split('\n').filter((l) => l.includes('activation fenced')).length;
  t.diagnostic(`n1 frozen ${frozenMs} ms; after SIGCONT it reported ${fenced} fenced activations (${fencedLogs} log lines)`);

  assert.equal(run.acknowledged, counters * perCounter);
  assert.equal(unavailableMs.length, Math.min(8, dying.length));
  assert.ok((unavailableMs.at(-1) ?? Infinity) < 10_000, `a dead node's actors answered again within 10 s (${unavailableMs.at(-1)} ms)`);

  // Read back through the actors: each counter holds exactly the increments sent to it.
  const counts = await Promise.all(refs.map((r) => c.client.ask<CounterState>(r, { type: 'get' }).then((s) => s.count)));
  assert.deepEqual(counts, refs.map(() => perCounter));

  const hotCount = (await c.client.ask<CounterState>(hot, { type: 'get' })).count;
  t.diagnostic(`the busy counter of the frozen node: ${hotSent} keys sent, count ${hotCount}`);
  assert.equal(hotCount, hotSent, 'the busy counter of the frozen node counts each key once');

  // The durable records agree: the count, and each idempotency key present exactly once.
  const kv = await c.bus.kv(`${c.namespace}-records`, { replicas: 3 });
  for (const r of refs) {
    const entry = await kv.get(actorKey(r));
    assert.ok(entry !== undefined, `record of ${r.id}`);
    const rec = decodeRecord(entry.value);
    assert.equal((rec.state as CounterState).count, perCounter, `${r.id} record count`);
    const keys = rec.idempotency.map((k) => k.key).sort();
    const expected = Array.from({ length: perCounter }, (_, j) => `${r.id}-${j}`).sort();
    assert.deepEqual(keys, expected, `${r.id} applied each key once`);
    const replies = rec.idempotency.map((k) => k.reply as number).sort((a, b) => a - b);
    assert.deepEqual(replies, Array.from({ length: perCounter }, (_, j) => j + 1), `${r.id} answered 1..${perCounter}, each once`);
  }
});
