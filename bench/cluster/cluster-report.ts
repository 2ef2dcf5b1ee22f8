/**
 * The cluster bench's report: figures and checks in bench/lib/report.ts's format (printed and
 * written as bench/results/cluster.json), plus what only this bench has: the per-second series,
 * the faults with their recovery times and per-fault counts, per-process memory and CPU, the
 * checker's breaches and the scaling runs. The HTML page is made from the same object.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { BenchReport } from '../lib/report.ts';
import type { RunResult } from './run-cluster.ts';
import { errorsByCode, opStats, recoveries, series, type OpStats, type Recovery, type SecondPoint } from './stats.ts';
import { summarize, type ProcSummary } from './proc-stats.ts';
import { defaultGrowthRule, jvmCeilingMb, memoryGrowth, type MemoryGrowth } from './memory-growth.ts';
import { HAZELCAST_HEAP_MB } from './cluster.ts';
import { cpuOf } from './html-report.ts';
import type { Breach, FaultCounts } from './checker.ts';
import type { FaultRecord } from './faults.ts';

export interface RunSummary {
  readonly name: string;
  readonly nodes: number;
  readonly shards: number;
  readonly durationS: number;
  readonly startupMs: number;
  readonly settleMs: number;
  readonly ops: readonly OpStats[];
  readonly errors: Readonly<Record<string, number>>;
  readonly series: readonly SecondPoint[];
  readonly faults: ReadonlyArray<FaultRecord & { readonly atS: number; readonly endS: number }>;
  readonly recoveries: readonly Recovery[];
  readonly perFault: readonly FaultCounts[];
  readonly processes: ReadonlyArray<{ name: string } & ProcSummary>;
  readonly breaches: readonly Breach[];
  readonly acknowledgedWrites: number;
  readonly indeterminateWrites: number;
  readonly checkedApps: number;
  readonly leakedVms: readonly string[];
  readonly okPerSecond: number;
  /** Memory growth of each process after warming up (the soak run's rule on it: anonymous RSS). */
  readonly memoryGrowth: readonly MemoryGrowth[];
  /** Histories and final state of the run (final.json), kept after the cluster is gone. */
  readonly keptDir: string;
}

export function summarizeRun(r: RunResult): RunSummary {
  const points = series(r.history, r.start, r.durationS);
  const ops = opStats(r.history, r.durationS);
  return {
    name: r.spec.name,
    nodes: r.spec.nodes.length,
    shards: r.spec.shards,
    durationS: r.durationS,
    startupMs: r.startupMs,
    settleMs: r.settleMs,
    ops,
    errors: errorsByCode(r.history),
    series: points,
    faults: r.faults.map((f) => ({ ...f, atS: (f.at - r.start) / 1000, endS: (f.endedAt - r.start) / 1000 })),
    recoveries: recoveries(points, r.faults, r.start),
    perFault: r.check.perFault,
    processes: [...r.procs].map(([name, s]) => ({ name, ...summarize(s) })),
    breaches: r.check.breaches,
    acknowledgedWrites: r.check.acknowledgedWrites,
    indeterminateWrites: r.check.indeterminateWrites,
    checkedApps: r.check.checkedApps,
    leakedVms: r.check.leakedVms,
    okPerSecond: ops.filter((o) => o.op !== 'ws-connect').reduce((n, o) => n + o.ok, 0) / r.durationS,
    keptDir: r.keptDir,
    // Over the workload only: starting the cluster before it and reading the final state back after it are other loads.
    memoryGrowth: [...r.procs].map(([name, s]) =>
      memoryGrowth(
        name,
        s.filter((x) => x.at >= r.start && x.at <= r.start + r.durationS * 1000),
        r.spec.memoryWarmupS === undefined ? defaultGrowthRule : { ...defaultGrowthRule, minWarmupMs: r.spec.memoryWarmupS * 1000 },
        name.startsWith('hazelcast ') ? jvmCeilingMb(HAZELCAST_HEAP_MB) : undefined,
      ),
    ),
  };
}

/** Prints and records the figures and checks of the main run and the scaling runs; answers the JSON file. */
export function writeClusterReport(main: RunSummary, scaling: readonly RunSummary[], options: Record<string, unknown>, name = 'cluster'): string {
  const report = new BenchReport(name, options);
  console.log(`\n${main.name}: ${main.nodes} nodes, ${main.durationS} s`);
  report.figure('all operations acknowledged per second', main.okPerSecond, 'ops/s');
  for (const o of main.ops) {
    report.figure(`${o.op}: acknowledged per second`, o.perSecond, 'ops/s');
    report.figure(`${o.op}: p50 latency`, o.p50Ms, 'ms');
    report.figure(`${o.op}: p99 latency`, o.p99Ms, 'ms');
    report.figure(`${o.op}: p99.9 latency`, o.p999Ms, 'ms');
    report.figure(`${o.op}: refused / indeterminate`, o.fail + o.info, 'ops');
  }
  for (const [code, n] of Object.entries(main.errors)) report.figure(`errors ${code}`, n, 'ops');
  for (const r of main.recoveries) report.figure(`recovery after ${r.fault}`, r.recoverMs, 'ms');
  for (const f of main.perFault) {
    report.figure(`${f.fault}: writes acknowledged in window`, f.acknowledged, 'ops');
    report.figure(`${f.fault}: lost`, f.lost, 'ops');
    report.figure(`${f.fault}: duplicated`, f.duplicated, 'ops');
  }
  for (const p of main.processes) {
    report.figure(`${p.name}: peak RSS`, p.peakRssMb, 'MiB');
    report.figure(`${p.name}: mean CPU`, p.meanCpuCores, 'cores');
  }
  report.figure('VMs left on hosts after their application was deleted', main.leakedVms.length, 'VMs');
  report.figure('cluster start-up', main.startupMs, 'ms');
  report.figure('settling after the workload', main.settleMs, 'ms');
  for (const s of scaling) {
    report.figure(`scaling: ${s.nodes} nodes, acknowledged per second`, s.okPerSecond, 'ops/s');
    report.figure(`scaling: ${s.nodes} nodes, CPU of the nodes`, cpuOf(s, 'node '), 'cores');
    report.figure(`scaling: ${s.nodes} nodes, CPU of every bench process`, cpuOf(s, ''), 'cores');
  }

  const count = (rule: string): number => main.breaches.filter((b) => b.rule === rule).length;
  report.atMost('acknowledged operations lost', count('lost'), 'ops', 0);
  report.atMost('operations applied twice', count('duplicated'), 'ops', 0);
  report.atMost('applications not in a state their last acknowledged action allows', count('state'), 'apps', 0);
  report.atMost('tenant isolation breaches', count('isolation'), 'breaches', 0);
  report.atMost('tenants whose final state could not be read', count('unreadable'), 'tenants', 0);
  report.atLeast('acknowledged writes checked', main.acknowledgedWrites, 'ops', 1);
  // A fault that ended near the end of the workload leaves too little run to see recovery in.
  for (const [i, r] of main.recoveries.entries()) {
    const f = main.faults[i];
    if (f !== undefined && f.endS + 10 <= main.durationS) report.atLeast(`recovered after ${r.fault}`, r.recoverMs, 'ms', 0);
  }
  if (options['soak'] === true) {
    // Live memory is judged (a node's or an agent process's JS heap + external, else anonymous RSS); the rest is shown apart: memory-growth.ts.
    for (const g of main.memoryGrowth) {
      if (g.judged === 'heap') report.figure(`${g.name}: JS heap + external growth after warm-up`, g.slopeMbPerMin, 'MiB/min');
      if (g.ceilingMb !== undefined) report.figure(`${g.name}: peak anonymous RSS after warm-up (a JVM: judged against -Xmx + 256 MiB = ${g.ceilingMb} MiB)`, g.peakAnonMb, 'MiB');
      report.figure(`${g.name}: anonymous RSS growth after warm-up${g.judged === 'heap' ? ' (allocator keeps its peak, not judged)' : ''}`, g.anonSlopeMbPerMin, 'MiB/min');
      report.figure(`${g.name}: file-backed RSS growth after warm-up (page cache, not judged)`, g.fileSlopeMbPerMin, 'MiB/min');
    }
    const from = Math.max(0, ...main.memoryGrowth.map((g) => g.judgedFromS));
    report.figure(`memory judged from this second of the workload on (before it: warm-up, activations not yet passivating)`, from, 's');
    const unbounded = main.memoryGrowth.filter((g) => g.unbounded);
    for (const g of unbounded) {
      const why = g.ceilingMb !== undefined ? `peak ${g.peakAnonMb.toFixed(0)} MiB over its ceiling of ${g.ceilingMb} MiB` : `${g.slopeMbPerMin.toFixed(2)} MiB/min (${g.judged}), window medians ${g.windowMediansMb.map((m) => m.toFixed(0)).join(' < ')} MiB`;
      console.log(`  GROWTH ${g.name}: ${why}`);
    }
    report.atMost('processes whose live memory (a node\'s JS heap + external, else anonymous RSS; not file-backed pages) climbs in every window after warm-up (>= 2 MiB/min), or a JVM past -Xmx + 256 MiB', unbounded.length, 'processes', 0);
  }
  // A partition: the cut-off side stops serving once its leases lapse, and the others serve every shard.
  for (const f of main.faults) {
    const fig = f.figures;
    if (f.kind !== 'partition-node' || fig === undefined) continue;
    report.atMost(`${f.label}: shards the cut-off node still serves at the end of the cut`, fig['shardsCutSideAtEnd'] ?? Number.POSITIVE_INFINITY, 'shards', 0);
    report.atLeast(`${f.label}: shards the other nodes serve at the end of the cut`, fig['shardsOtherSideAtEnd'] ?? 0, 'shards', main.shards);
  }
  const nodeGrowth = Math.max(0, ...main.processes.filter((p) => p.name.startsWith('node')).map((p) => p.lateAnonGrowthMb));
  report.atMost('node anonymous RSS growth over the second half of the run (file-backed LMDB pages excluded)', nodeGrowth, 'MiB', 256);
  const file = report.write();
  // The common format, plus what only this bench has.
  const body = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...body, run: main, scaling }, null, 1) + '\n');
  return file;
}
