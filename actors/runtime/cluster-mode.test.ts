/**
 * The key scenarios on real servers: a NATS server (JetStream KV holds the durable records) and
 * two Hazelcast members (leases, heartbeats, hot copies), with two ActorSystems in this process
 * on the system clock: a fair split, asks across nodes with idempotency keys, and a dead node's
 * actors answering again within 5 s.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { defaults } from '../../config/schema.ts';
import { NatsBus } from '../../bus/nats/nats-bus.ts';
import { HazelcastGrid } from '../../grid/hazelcast/hazelcast-grid.ts';
import { startHazelcast, type HazelcastCluster } from '../../test/harness/hazelcast.ts';
import { startNats, type NatsServers } from '../../test/harness/nats.ts';
import { missingHazelcast, missingNats, needs } from '../../test/harness/requirements.ts';
import type { ActorRef } from '../actor-kind.ts';
import { ActorSystem } from './actor-system.ts';
import { shardOf } from './shard-hash.ts';
import { counterKind, type CounterState } from './testing/counter-kind.ts';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
});

async function until(cond: () => boolean, maxMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > maxMs) throw new Error(`condition not met in ${maxMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

test('cluster mode: two nodes split the shards, answer for each other, and take over a dead one in under 5 s', async (t) => {
  if (!needs(t, missingNats(), missingHazelcast())) return;
  const nats: NatsServers = await startNats();
  closers.push(() => nats.stop());
  const hz: HazelcastCluster = await startHazelcast({ members: 2 });
  closers.push(() => hz.stop());
  const namespace = `t${Date.now().toString(36)}`;
  const node = async (nodeId: string): Promise<ActorSystem> => {
    const grid = await HazelcastGrid.connect({ members: hz.addresses, clusterName: hz.clusterName });
    const bus = await NatsBus.connect({ servers: [...nats.urls], replicas: 1 });
    closers.push(() => grid.close(), () => bus.close());
    const sys = new ActorSystem({
      nodeId,
      grid,
      bus,
      clock: systemClock,
      config: { ...defaults.actors, shards: 16 },
      log: silentLogger,
      namespace,
    });
    sys.register(counterKind());
    closers.push(() => sys.halt());
    await sys.start();
    return sys;
  };

  const a = await node('a');
  assert.equal(a.ownedShards().length, 16);
  const refs: ActorRef[] = Array.from({ length: 20 }, (_, i) => ({ kind: 'counter', id: `c${i}` }));
  for (const r of refs) assert.equal(await a.ask(r, { type: 'add', by: 1 }, { idempotencyKey: `${r.id}-1` }), 1);

  const b = await node('b');
  const splitMs = await until(() => a.ownedShards().length + b.ownedShards().length === 16 && b.ownedShards().length >= 6, 30_000);
  t.diagnostic(`rebalanced to ${a.ownedShards().length}/${b.ownedShards().length} in ${splitMs} ms`);

  for (const r of refs) {
    assert.equal(await b.ask(r, { type: 'add', by: 1 }, { idempotencyKey: `${r.id}-2` }), 2);
    // A retry of the same command, from the other node: the first answer, applied once.
    assert.equal(await a.ask(r, { type: 'add', by: 1 }, { idempotencyKey: `${r.id}-2` }), 2);
  }

  const owned = new Set(a.ownedShards());
  const victim = refs.find((r) => owned.has(shardOf(r.kind, r.id, 16)));
  assert.ok(victim !== undefined);
  await a.halt();
  const died = Date.now();
  const count = await b.ask(victim, { type: 'add', by: 1 }, { timeoutMs: 15_000 });
  const unavailableMs = Date.now() - died;
  t.diagnostic(`a dead node's actor answered again after ${unavailableMs} ms`);
  assert.equal(count, 3);
  assert.ok(unavailableMs < 5000, `unavailable for ${unavailableMs} ms`);
  for (const r of refs) assert.equal((await b.ask<CounterState>(r, { type: 'get' })).count, r === victim ? 3 : 2);
  await b.stop();
});
