/** The server baselines: raw NATS and raw Hazelcast from Node, on servers started for the run. */
import { randomBytes } from 'node:crypto';
import { startNats } from '../../test/harness/nats.ts';
import { startHazelcast } from '../../test/harness/hazelcast.ts';
import { natsPubSub, natsRequestReply, rawJetStreamKv } from '../lib/baselines/nats.ts';
import { rawHazelcastMap } from '../lib/baselines/hazelcast.ts';
import { measureRate } from '../lib/baselines/rate.ts';
import type { BenchReport } from '../lib/report.ts';

export async function measureNats(report: BenchReport, seconds: number, quick: boolean): Promise<void> {
  const nats = await startNats();
  try {
    const url = nats.urls[0] as string;
    const payload = randomBytes(128);
    report.figure('nats pub/sub, 128 B', await natsPubSub(url, quick ? 300_000 : 1_000_000, payload), 'msg/s');
    for (const inFlight of [1, 64]) {
      const rr = await natsRequestReply(url, { seconds, inFlight, payload });
      report.figure(`nats request/reply, ${inFlight} in flight`, rr.perSec, 'req/s');
      report.figure(`nats request/reply, ${inFlight} in flight, p50`, rr.p50Us, 'µs');
    }
    const kv = await rawJetStreamKv(url, 'bench_baseline');
    try {
      for (const inFlight of [1, 64]) {
        const r = await measureRate(seconds, inFlight, (i) => kv.put(`k${i % 1000}`, payload));
        report.figure(`jetstream kv put (file), ${inFlight} in flight`, r.perSec, 'ops/s');
      }
    } finally {
      await kv.close();
    }
  } finally {
    await nats.stop();
  }
}

export async function measureHazelcast(report: BenchReport, seconds: number): Promise<void> {
  const hz = await startHazelcast({ members: 1 });
  try {
    const map = await rawHazelcastMap(hz.addresses, hz.clusterName, 'bench-baseline');
    try {
      const value = randomBytes(128);
      // Warm the member's JIT first: its first seconds are slower than its steady state.
      await measureRate(Math.min(2, seconds), 64, (i) => map.set(`k${i % 1000}`, value));
      for (const inFlight of [1, 64]) {
        const set = await measureRate(seconds, inFlight, (i) => map.set(`k${i % 1000}`, value));
        report.figure(`hazelcast map set, ${inFlight} in flight`, set.perSec, 'ops/s');
        const get = await measureRate(seconds, inFlight, (i) => map.get(`k${i % 1000}`));
        report.figure(`hazelcast map get, ${inFlight} in flight`, get.perSec, 'ops/s');
      }
    } finally {
      await map.close();
    }
  } finally {
    await hz.stop();
  }
}
