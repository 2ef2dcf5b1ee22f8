/**
 * The runtime in embedded mode (EmbeddedGrid, EmbeddedBus on LMDB) beside a raw EmbeddedBus KV
 * compare-and-set of the same run: tells, asks one at a time and 64 in flight, group commit
 * across actors off and on, and heap per idle actor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { defaults } from '../../config/schema.ts';
import { EmbeddedBus } from '../../bus/embedded/embedded-bus.ts';
import { EmbeddedGrid } from '../../grid/embedded/embedded-grid.ts';
import { ActorSystem } from '../../actors/runtime/actor-system.ts';
import type { BenchReport } from '../lib/report.ts';
import { measureRate } from '../lib/baselines/rate.ts';
import { benchKind, type BenchMsg } from './bench-kind.ts';

const yieldToIo = (): Promise<void> => new Promise((r) => setImmediate(r));

async function embeddedSystem(batchCommits: boolean): Promise<{ sys: ActorSystem; bus: EmbeddedBus; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-bench-actors-'));
  const bus = new EmbeddedBus({ dir, clock: systemClock });
  const config = { ...defaults.actors, passivateAfterMs: 3_600_000 };
  const sys = new ActorSystem({ nodeId: 'bench', grid: new EmbeddedGrid(systemClock), bus, clock: systemClock, config, log: silentLogger, batchCommits });
  sys.register(benchKind);
  await sys.start();
  return {
    sys,
    bus,
    async close() {
      await sys.stop();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function benchEmbedded(report: BenchReport, quick: boolean, secs: number): Promise<void> {
  const counters = Array.from({ length: 64 }, (_, i) => ({ kind: 'bench', id: `w${i}` }));
  const inc: BenchMsg = { type: 'inc' };

  // Group commit across actors off: each actor's write is its own KV compare-and-set.
  const unbatched = await embeddedSystem(false);
  const off = await measureRate(secs, 64, (i) => unbatched.sys.ask(counters[i % 64] ?? { kind: 'bench', id: 'w0' }, inc));
  await unbatched.close();

  const batched = await embeddedSystem(true);
  const { sys, bus } = batched;
  const kv = await bus.kv('bench-baseline');
  const revs = new Map<number, number>();
  const payload = new Uint8Array(64);
  for (const inFlight of [1, 64]) {
    const r = await measureRate(secs, inFlight, async (i) => {
      const k = i % 1024;
      const rev = revs.get(k);
      const res = rev === undefined ? await kv.create(`k${k}-${inFlight}`, payload) : await kv.update(`k${k}-${inFlight}`, payload, rev);
      if (res.ok) revs.set(k, res.revision);
      else revs.delete(k);
    });
    revs.clear();
    report.figure(`embedded baseline: raw KV CAS put, ${inFlight} in flight`, r.perSec, 'ops/s');
  }

  // Tells to a handler that changes no persisted state.
  const sink = { kind: 'bench', id: 'sink' };
  const ping: BenchMsg = { type: 'ping' };
  await sys.ask(sink, ping);
  const tellN = quick ? 2_000_000 : 10_000_000;
  let t0 = performance.now();
  // Rounds of tells below the mailbox's capacity, each closed by an ask that queues behind them:
  // a tell resolves once queued, so without it the producer outruns the handler and fills it.
  const round = 900;
  for (let i = 0; i < tellN; i += round) {
    for (let j = 0; j < round; j++) void sys.tell(sink, ping);
    await sys.ask(sink, ping);
    if (i % 180_000 === 0) await yieldToIo(); // let lease renewals run
  }
  await sys.ask(sink, ping);
  const tellRate = tellN / ((performance.now() - t0) / 1000);
  report.figure('embedded tell, no state change, one actor', tellRate, 'msg/s');
  report.atLeast('embedded tell without state change', tellRate, 'msg/s', 1_000_000);

  // State-changing tells: the turns waiting in a mailbox share one durable write.
  const incN = quick ? 50_000 : 200_000;
  t0 = performance.now();
  for (let i = 0; i < incN; i += 640) {
    const ps: Array<Promise<void>> = [];
    for (let j = 0; j < 640; j++) ps.push(sys.tell(counters[j % 64] ?? sink, inc));
    await Promise.all(ps);
    // A tell resolves once queued: every 100 per actor, wait until they are handled, so the
    // producer cannot fill a mailbox (the full run died with MAILBOX_FULL without it).
    if (i % 6400 === 0) {
      await Promise.all(counters.map((c) => sys.ask(c, { type: 'get' })));
      await yieldToIo();
    }
  }
  await Promise.all(counters.map((c) => sys.ask(c, { type: 'get' })));
  report.figure('embedded tell, state change, 64 actors (grouped commits)', incN / ((performance.now() - t0) / 1000), 'msg/s');
  const m = sys.metrics();
  report.figure('  turns per durable write in that run', m.committedTurns / Math.max(1, m.commits.count), 'turns');

  for (const [what, msg] of [['reads state', { type: 'get' }], ['changes state', inc]] as const) {
    for (const inFlight of [1, 64]) {
      const r = await measureRate(secs, inFlight, (i) => sys.ask(counters[i % 64] ?? sink, msg));
      const base = what === 'changes state' ? `embedded baseline: raw KV CAS put, ${inFlight} in flight` : undefined;
      report.figure(`embedded ask, ${what}, ${inFlight} in flight`, r.perSec, 'asks/s', base);
      report.figure(`  p50 (p99 ${Math.round(r.p99Us)} µs)`, r.p50Us, 'µs');
    }
  }
  report.figure('embedded ask, changes state, 64 in flight, commits across actors NOT grouped', off.perSec, 'asks/s');

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
  await batched.close();
}
