/**
 * A restart of the whole cluster: three counter-node processes, two Hazelcast members and a
 * three-server NATS JetStream cluster (replicas 3) are all stopped (nodes and NATS servers by
 * SIGKILL, Hazelcast gracefully) and started again, NATS on the same store directories. Every
 * acknowledged counter value is back, and every reminder set before the stop fires after the
 * restart, once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CounterState } from '../../actors/runtime/testing/counter-kind.ts';
import { missingHazelcast, missingNats, needs } from '../harness/requirements.ts';
import { waitUntil } from '../harness/child-process.ts';
import { ActorCluster } from './cluster.ts';
import { counterRefs, sendIncrements } from './increments.ts';

let cluster: ActorCluster | undefined;
after(async () => {
  await cluster?.stop();
});

test('after every node, Hazelcast member and NATS server is stopped and started again, acknowledged counts are back and pending reminders fire once', async (t) => {
  if (!needs(t, missingNats(), missingHazelcast())) return;
  const c = (cluster = await ActorCluster.start({ natsCluster: true, hazelcastMembers: 2, nodes: 3, shards: 32 }));
  await c.balanced(['n0', 'n1', 'n2']);
  const refs = counterRefs(100);
  const run = await sendIncrements(c.client, refs, 5, 64);
  assert.equal(run.acknowledged, 500);

  const reminded = refs.slice(0, 10);
  const dueAt = Date.now() + 3000;
  for (const r of reminded) await c.client.ask(r, { type: 'remind', name: 'wake', at: dueAt });

  const killedAt = await c.restartEverything();
  assert.ok(killedAt < dueAt, 'every node was dead before the reminders were due');
  t.diagnostic(`cluster restarted ${Date.now() - killedAt} ms after the nodes were killed`);

  const get = (r: (typeof refs)[number]): Promise<CounterState> => c.client.ask<CounterState>(r, { type: 'get' }, { timeoutMs: 15_000 });
  const counts = await Promise.all(refs.map(async (r) => (await get(r)).count));
  assert.deepEqual(counts, refs.map(() => 5), 'every acknowledged increment is back');

  const fired = async (): Promise<number[]> =>
    Promise.all(reminded.map(async (r) => (await get(r)).log.filter((l) => l === 'fired:wake').length));
  await waitUntil('the reminders fire after the restart', async () => (await fired()).every((n) => n >= 1), 30_000);
  // Placement moves on meanwhile (nodes rejoin and rebalance): still once, a little later.
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual(await fired(), reminded.map(() => 1), 'each reminder fired once');
  const active = await Promise.all(refs.slice(10).map(async (r) => (await get(r)).log.length));
  assert.deepEqual(active, refs.slice(10).map(() => 0), 'no reminder fired where none was set');
});
