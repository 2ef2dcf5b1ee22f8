/**
 * Not part of the benchmark: read asks against one node for a while, so a profiler can see
 * where the remote read path spends its time. Node refuses --cpu-prof in NODE_OPTIONS, and the
 * node processes are spawned by the harness: preload a module that starts the inspector's
 * Profiler and writes the profile on exit, e.g.
 *   NODE_OPTIONS='--import ./prof-hook.mjs' node --import tsx bench/actors/profile-read.ts [secs] [inFlight]
 */
import type { ActorRef } from '../../actors/actor-kind.ts';
import { ActorCluster } from '../../test/actors-cluster/cluster.ts';
import { natsRequestReply } from '../lib/baselines/nats.ts';
import { encodeRequest } from '../../actors/runtime/envelope.ts';
import { measureRate } from '../lib/baselines/rate.ts';

const secs = Number(process.argv[2] ?? '8');
const inFlight = Number(process.argv[3] ?? '1');
const counters: ActorRef[] = Array.from({ length: 64 }, (_, i) => ({ kind: 'counter', id: `c${i}` }));
const c = await ActorCluster.start({ natsCluster: false, hazelcastMembers: 2, nodes: 1, shards: 32 });
try {
  const url = c.nats.urls[0] as string;
  const payload = encodeRequest({ k: 'counter', i: 'c12', m: { type: 'add', by: 1 }, v: 1, a: 1, t: 5000 });
  await Promise.all(counters.map((r) => c.client.ask(r, { type: 'get' })));
  for (let round = 0; round < 2; round++) {
    const base = await natsRequestReply(url, { seconds: 2, inFlight, payload });
    const r = await measureRate(secs, inFlight, (i) => c.client.ask(counters[i % 64] as ActorRef, { type: 'get' }));
    console.log(`raw ${Math.round(base.perSec)}/s p50 ${Math.round(base.p50Us)}µs; read ask ${Math.round(r.perSec)}/s p50 ${Math.round(r.p50Us)}µs; ratio ${(r.perSec / base.perSec).toFixed(3)}`);
  }
  await c.node('n0').stop();
} finally {
  await c.stop();
}
