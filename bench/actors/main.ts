/**
 * The actor runtime in embedded mode (EmbeddedGrid, EmbeddedBus on LMDB), beside a baseline of
 * the same run: a raw EmbeddedBus KV compare-and-set put (what a state-changing turn must do).
 * Cluster mode (one and three nodes, raw NATS request/reply baselines) is a follow-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { defaults } from '../../config/schema.ts';
import { EmbeddedBus } from '../../bus/embedded/embedded-bus.ts';
import { EmbeddedGrid } from '../../grid/embedded/embedded-grid.ts';
import { defineActorKind } from '../../actors/actor-kind.ts';
import { ActorSystem } from '../../actors/runtime/actor-system.ts';
import { BenchReport, parseBenchArgs } from '../lib/report.ts';

const { quick } = parseBenchArgs(process.argv.slice(2));
const report = new BenchReport('actors', { quick, mode: 'embedded' });
type Msg = { type: 'ping' } | { type: 'inc' } | { type: 'get' };
const kind = defineActorKind<{ n: number }, Msg, number>({
  name: 'bench',
  schemaVersion: 1,
  initialState: () => ({ n: 0 }),
  decodeMessage: (raw) => raw as Msg,
  decodeState: (s) => s as { n: number },
  handle(ctx, msg) {
    if (msg.type === 'inc') ctx.setState({ n: ctx.state.n + 1 });
    return ctx.state.n;
  },
});

const dir = mkdtempSync(join(tmpdir(), 'ravel-bench-actors-'));
const bus = new EmbeddedBus({ dir, clock: systemClock });
const sys = new ActorSystem({ nodeId: 'bench', grid: new EmbeddedGrid(systemClock), bus, clock: systemClock, config: { ...defaults.actors, passivateAfterMs: 3_600_000 }, log: silentLogger });
sys.register(kind);
await sys.start();
const yieldToIo = (): Promise<void> => new Promise((r) => setImmediate(r));

async function rate(seconds: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<{ perSec: number; p50: number; p99: number }> {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      await op(n++);
      lat.push(performance.now() - t);
      // Local asks resolve in microtasks only: let timers (lease renewals) and I/O run too.
      if (n % 5000 === 0) await yieldToIo();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const s = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { perSec: lat.length / s, p50: lat[Math.floor(lat.length * 0.5)] ?? 0, p99: lat[Math.floor(lat.length * 0.99)] ?? 0 };
}

console.log(`actors (embedded)${quick ? ' (quick)' : ''}`);
const secs = quick ? 2 : 5;

// Baseline: a raw KV compare-and-set put on the same EmbeddedBus.
const kv = await bus.kv('bench-baseline');
const revs = new Map<number, number>();
const payload = new Uint8Array(64);
for (const inFlight of [1, 64]) {
  const r = await rate(secs, inFlight, async (i) => {
    const k = i % 1024;
    const rev = revs.get(k);
    const res = rev === undefined ? await kv.create(`k${k}-${inFlight}`, payload) : await kv.update(`k${k}-${inFlight}`, payload, rev);
    if (res.ok) revs.set(k, res.revision);
    else revs.delete(k);
  });
  revs.clear();
  report.figure(`baseline: raw KV CAS put, ${inFlight} in flight`, r.perSec, 'ops/s');
}

// Tells to a handler that changes no persisted state.
const sink = { kind: 'bench', id: 'sink' };
const ping: Msg = { type: 'ping' };
await sys.ask(sink, ping);
const tellN = quick ? 2_000_000 : 10_000_000;
let t0 = performance.now();
for (let i = 0; i < tellN; i += 1000) {
  let p: Promise<void> = Promise.resolve();
  for (let j = 0; j < 1000; j++) p = sys.tell(sink, ping);
  await p;
  if (i % 200_000 === 0) await yieldToIo(); // let lease renewals run
}
await sys.ask(sink, ping);
const tellRate = tellN / ((performance.now() - t0) / 1000);
report.figure('tell, no state change, one actor', tellRate, 'msg/s');
report.atLeast('embedded tell without state change', tellRate, 'msg/s', 1_000_000);

// State-changing tells: the turns waiting in a mailbox share one durable write.
const incN = quick ? 50_000 : 200_000;
const counters = Array.from({ length: 64 }, (_, i) => ({ kind: 'bench', id: `w${i}` }));
t0 = performance.now();
for (let i = 0; i < incN; i += 640) {
  const ps: Array<Promise<void>> = [];
  for (let j = 0; j < 640; j++) ps.push(sys.tell(counters[j % 64] ?? sink, { type: 'inc' }));
  await Promise.all(ps);
  if (i % 6400 === 0) await yieldToIo();
}
await Promise.all(counters.map((c) => sys.ask(c, { type: 'get' })));
report.figure('tell, state change, 64 actors (grouped commits)', incN / ((performance.now() - t0) / 1000), 'msg/s');
const m = sys.metrics();
report.figure('turns per durable write in that run', m.committedTurns / Math.max(1, m.commits.count), 'turns');

for (const inFlight of [1, 64]) {
  const r = await rate(secs, inFlight, (i) => sys.ask(counters[i % 64] ?? sink, { type: 'get' }));
  report.figure(`ask, reads state, ${inFlight} in flight`, r.perSec, 'asks/s');
  report.figure(`ask, reads state, ${inFlight} in flight, p50/p99`, r.p50 * 1000, `µs (p99 ${(r.p99 * 1000).toFixed(0)} µs)`);
}
for (const inFlight of [1, 64]) {
  const r = await rate(secs, inFlight, (i) => sys.ask(counters[i % 64] ?? sink, { type: 'inc' }));
  report.figure(`ask, changes state, ${inFlight} in flight`, r.perSec, 'asks/s', `baseline: raw KV CAS put, ${inFlight} in flight`);
  report.figure(`ask, changes state, ${inFlight} in flight, p50/p99`, r.p50 * 1000, `µs (p99 ${(r.p99 * 1000).toFixed(0)} µs)`);
}

// Memory per idle activated actor.
const idleN = quick ? 20_000 : 100_000;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < idleN; i += 1000) {
  await Promise.all(Array.from({ length: 1000 }, (_, j) => sys.ask({ kind: 'bench', id: `idle${i + j}` }, ping)));
}
gc?.();
const perActor = (process.memoryUsage().heapUsed - before) / idleN;
report.figure(`heap per idle activated actor (${idleN})`, perActor, 'bytes');
report.atMost('heap per idle actor', perActor, 'bytes', 2048);

await sys.stop();
await bus.close();
rmSync(dir, { recursive: true, force: true });
report.write();
