/**
 * Quick figures for both buses (the benchmark harness in bench/ comes later):
 *   node --import tsx bus/measure-bus.ts
 * pub/sub msg/s, request/reply one at a time and 64 in flight, KV compare-and-set puts one at a
 * time and 64 in flight. NATS runs against a fresh local nats-server (file storage, one replica).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'nats';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../core/clock.ts';
import { startNats } from '../test/harness/nats.ts';
import type { Bus } from './bus.ts';
import { EmbeddedBus } from './embedded/embedded-bus.ts';
import { NatsBus } from './nats/nats-bus.ts';

type Figures = Record<string, number>;

async function pubSub(bus: Bus, n: number): Promise<number> {
  let got = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const sub = bus.subscribe('m.pubsub', () => {
    if (++got === n) done();
  });
  await bus.flush();
  const payload = new Uint8Array(16);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    bus.publish('m.pubsub', payload);
    if (i % 10_000 === 9_999) await bus.flush();
  }
  await all;
  const rate = n / ((performance.now() - t0) / 1000);
  await sub.unsubscribe();
  return rate;
}

async function inParallel(n: number, width: number, op: (worker: number) => Promise<void>): Promise<number> {
  const per = Math.ceil(n / width);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: width }, async (_, w) => {
    for (let i = 0; i < per; i++) await op(w);
  }));
  return (per * width) / ((performance.now() - t0) / 1000);
}

async function requestReply(bus: Bus, n: number, width: number): Promise<number> {
  const sub = bus.subscribe('m.rr', (m) => bus.respond(m, m.data));
  await bus.flush();
  const payload = new Uint8Array(16);
  const rate = await inParallel(n, width, async () => void (await bus.request('m.rr', payload, { timeoutMs: 5000 })));
  await sub.unsubscribe();
  return rate;
}

async function kvCas(bus: Bus, n: number, width: number): Promise<number> {
  const kv = await bus.kv(`m${width}`);
  const revs: number[] = [];
  for (let w = 0; w < width; w++) revs[w] = await kv.put(`k${w}`, new Uint8Array(64));
  return inParallel(n, width, async (w) => {
    const r = await kv.update(`k${w}`, new Uint8Array(64), revs[w] ?? 0);
    if (!r.ok) throw new Error('lost a CAS nobody else races');
    revs[w] = r.revision;
  });
}

async function measure(bus: Bus): Promise<Figures> {
  return {
    pubSubMsgPerS: await pubSub(bus, 200_000),
    requestReplySerialPerS: await requestReply(bus, 3000, 1),
    requestReply64PerS: await requestReply(bus, 30_000, 64),
    kvCasSerialPerS: await kvCas(bus, 1500, 1),
    kvCas64PerS: await kvCas(bus, 12_800, 64),
  };
}

/** The same pub/sub and request loops on a bare nats.js connection: the baseline of this run. */
async function rawNats(servers: string[]): Promise<Figures> {
  const nc = await connect({ servers });
  const n = 200_000;
  let got = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  nc.subscribe('raw.ps', { callback: () => void (++got === n && done()) });
  nc.subscribe('raw.rr', { callback: (_e, m) => m.respond(m.data) });
  await nc.flush();
  const payload = new Uint8Array(16);
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    nc.publish('raw.ps', payload);
    if (i % 10_000 === 9_999) await nc.flush();
  }
  await all;
  const pubSubMsgPerS = n / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let i = 0; i < 3000; i++) await nc.request('raw.rr', payload, { timeout: 5000 });
  const requestReplySerialPerS = 3000 / ((performance.now() - t0) / 1000);
  const requestReply64PerS = await inParallel(30_000, 64, async () => void (await nc.request('raw.rr', payload, { timeout: 5000 })));
  await nc.close();
  return { pubSubMsgPerS, requestReplySerialPerS, requestReply64PerS };
}

const round = (f: Figures): Figures => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Math.round(v)]));

const servers = await startNats();
const dir = mkdtempSync(join(tmpdir(), 'ravel-measure-'));
try {
  const baseline = await rawNats([...servers.urls]);
  const nats = await NatsBus.connect({ servers: [...servers.urls], replicas: 1 });
  const natsFigures = await measure(nats);
  await nats.close();
  const embedded = new EmbeddedBus({ dir, clock: systemClock });
  const embeddedFigures = await measure(embedded);
  await embedded.close();
  console.log(JSON.stringify({ rawNatsJs: round(baseline), nats: round(natsFigures), embedded: round(embeddedFigures) }, null, 2));
} finally {
  await servers.stop();
  rmSync(dir, { recursive: true, force: true });
}
