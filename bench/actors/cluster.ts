/**
 * The runtime in cluster mode beside raw NATS of the same run, on servers the test harness
 * starts (one nats-server, two Hazelcast members). Node processes are test/actors-cluster's
 * counter nodes (one, then three, each its own process); asks come from an ActorClient in this
 * process, so every ask crosses the bus as a raw request would.
 */
import { encodeRequest } from '../../actors/runtime/envelope.ts';
import type { ActorRef } from '../../actors/actor-kind.ts';
import { ActorCluster } from '../../test/actors-cluster/cluster.ts';
import type { BenchReport } from '../lib/report.ts';
import { rawHazelcastMap } from '../lib/baselines/hazelcast.ts';
import { natsRequestReply, rawJetStreamKv } from '../lib/baselines/nats.ts';
import { measureRate, type Rate } from '../lib/baselines/rate.ts';

const counters: ActorRef[] = Array.from({ length: 64 }, (_, i) => ({ kind: 'counter', id: `c${i}` }));

function show(report: BenchReport, name: string, r: Rate, baseline?: string): number {
  report.figure(name, r.perSec, 'per s', baseline);
  report.figure(`  p50 (p99 ${Math.round(r.p99Us)} µs)`, r.p50Us, 'µs');
  return r.perSec;
}

export async function benchCluster(report: BenchReport, secs: number): Promise<void> {
  const c = await ActorCluster.start({ natsCluster: false, hazelcastMembers: 2, nodes: 1, shards: 32 });
  try {
    const url = c.nats.urls[0] as string;
    // The same payload as an actor's ask: the request envelope of an increment.
    const payload = encodeRequest({ k: 'counter', i: 'c12', m: { type: 'add', by: 1 }, v: 1, a: 1, t: 5000 });
    const hz = await rawHazelcastMap(c.hz.addresses, c.hz.clusterName, 'bench-raw');
    const kv = await rawJetStreamKv(url, 'bench-raw');
    const value = Buffer.alloc(64, 7);
    const base = new Map<string, number>();
    for (const inFlight of [1, 64]) {
      base.set(`rr${inFlight}`, show(report, `baseline: NATS request/reply, ${inFlight} in flight`, await natsRequestReply(url, { seconds: secs, inFlight, payload })));
    }
    for (const inFlight of [1, 64]) {
      const beforeAnswer = async (i: number): Promise<void> => {
        await hz.set(`k${i % 64}`, value);
        await kv.put(`k${i % 64}`, value);
      };
      const r = await natsRequestReply(url, { seconds: secs, inFlight, payload, beforeAnswer });
      base.set(`w${inFlight}`, show(report, `baseline: request/reply + Hazelcast set + JetStream KV put, ${inFlight} in flight`, r));
    }
    await hz.close();
    await kv.close();

    const measure = async (nodes: number, label = ''): Promise<void> => {
      await Promise.all(counters.map((r) => c.client.ask(r, { type: 'get' })));
      for (const inFlight of [1, 64]) {
        const r = await measureRate(secs, inFlight, (i) => c.client.ask(counters[i % 64] as ActorRef, { type: 'get' }));
        const v = show(report, `cluster ${nodes} node${nodes > 1 ? 's' : ''}: ask, reads state, ${inFlight} in flight`, r, `baseline: NATS request/reply, ${inFlight} in flight`);
        report.ratioAtLeast(`cluster ${nodes}n read ask vs raw request/reply, ${inFlight} in flight`, v, base.get(`rr${inFlight}`) ?? 0, 'asks/s', 0.8);
      }
      for (const inFlight of [1, 64]) {
        const r = await measureRate(secs, inFlight, (i) => c.client.ask(counters[i % 64] as ActorRef, { type: 'add', by: 1 }));
        const name = `cluster ${nodes} node${nodes > 1 ? 's' : ''}${label}: ask, changes state, ${inFlight} in flight`;
        const v = show(report, name, r, `baseline: request/reply + Hazelcast set + JetStream KV put, ${inFlight} in flight`);
        if (label === '') report.ratioAtLeast(`cluster ${nodes}n state-changing ask vs responder with writes, ${inFlight} in flight`, v, base.get(`w${inFlight}`) ?? 0, 'asks/s', 0.8);
      }
    };

    // Group commit across actors off, then on (the default), on one node.
    await c.node('n0').stop();
    await c.startNode('n0', { RAVEL_BATCH_COMMITS: '0' });
    await c.balanced(['n0']);
    await Promise.all(counters.map((r) => c.client.ask(r, { type: 'get' })));
    const off = await measureRate(secs, 64, (i) => c.client.ask(counters[i % 64] as ActorRef, { type: 'add', by: 1 }));
    show(report, 'cluster 1 node: ask, changes state, 64 in flight, commits across actors NOT grouped', off);
    await c.node('n0').stop();
    await c.startNode('n0');
    await c.balanced(['n0']);
    await measure(1);

    await Promise.all(['n1', 'n2'].map((id) => c.startNode(id)));
    await c.settled(['n0', 'n1', 'n2']);
    await measure(3);
  } finally {
    await c.stop();
  }
}
