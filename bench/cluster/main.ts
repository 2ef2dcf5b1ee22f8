/**
 * `npm run bench -- cluster [--quick]`: stands up a cluster of processes on this machine, runs
 * the control-plane, read, live-console and upload workloads through the real interfaces with
 * faults injected, checks the history against the final state, and writes
 * bench/results/cluster.json and cluster.html. The full run adds every fault kind and the same
 * workload on 1, 2 and 3 nodes (`--no-scaling` leaves them out). `npm run bench -- cluster partition` runs the network
 * partition alone (bench/results/cluster-partition.*); `cluster soak [--minutes=N]` runs the
 * quick mix without faults for N minutes (10 unless given, 8 to 120: SOAK_MINUTES) and fails when
 * a process's live memory keeps climbing after the warm-up (memory-growth.ts: a node's or an agent process's JS heap,
 * which it reports through heap-report.ts; another process's anonymous RSS). The warm-up lasts
 * 6 minutes, until activations passivate (SOAK_WARMUP_S). `npm run bench -- cluster compare A.json
 * B.json` flags regressions of B against A.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchArgs } from '../lib/report.ts';
import { compareFiles } from './compare.ts';
import { summarizeRun, writeClusterReport, type RunSummary } from './cluster-report.ts';
import { writeHtmlReport } from './html-report.ts';
import { runCluster } from './run-cluster.ts';
import { HEAP_DIR_ENV } from './heap-report.ts';
import { fullSpec, partitionSpec, quickSpec, scalingSpec, SOAK_MINUTES, soakSpec } from './spec.ts';
import { missingHazelcast, missingNats } from '../../test/harness/requirements.ts';

const { quick, rest } = parseBenchArgs(process.argv.slice(2));

if (rest[0] === 'compare') {
  const [a, b] = rest.slice(1);
  if (a === undefined || b === undefined) {
    console.error('usage: npm run bench -- cluster compare A.json B.json');
    process.exit(2);
  }
  process.exit(compareFiles(a, b));
}

const missing = [missingNats(), missingHazelcast()].filter((m) => m !== undefined);
if (missing.length > 0) {
  console.error(`the cluster bench needs real servers: ${missing.join('; ')}`);
  process.exit(2);
}

const named = rest.find((a) => !a.startsWith('--'));
// The full run without the scaling runs (six minutes fewer), to repeat the faults alone.
const noScaling = rest.includes('--no-scaling');
const minutesArg = rest.find((a) => a.startsWith('--minutes='));
const minutes = minutesArg === undefined ? SOAK_MINUTES.default : Number(minutesArg.slice('--minutes='.length));
if ((named !== undefined && named !== 'partition' && named !== 'soak') || !Number.isInteger(minutes) || minutes < SOAK_MINUTES.min || minutes > SOAK_MINUTES.max) {
  console.error(`usage: npm run bench -- cluster [--quick | --no-scaling] | cluster partition | cluster soak [--minutes=${SOAK_MINUTES.min}..${SOAK_MINUTES.max}] | cluster compare A.json B.json`);
  process.exit(2);
}
const spec = named === 'partition' ? partitionSpec() : named === 'soak' ? soakSpec(minutes) : quick ? quickSpec() : fullSpec();
const reportName = named === undefined ? 'cluster' : `cluster-${named}`;
// The soak judges nodes and agent processes on their JS heap, which they write here (heap-report.ts); they inherit the variable.
const heapDir = named === 'soak' ? mkdtempSync(join(tmpdir(), 'ravel-bench-heap-')) : undefined;
if (heapDir !== undefined) process.env[HEAP_DIR_ENV] = heapDir;
const main = summarizeRun(await runCluster(spec));
if (heapDir !== undefined) rmSync(heapDir, { recursive: true, force: true });
const scaling: RunSummary[] = [];
if (!quick && named === undefined && !noScaling) {
  for (const n of [1, 2, 3]) scaling.push(summarizeRun(await runCluster(scalingSpec(n, 60))));
}
for (const b of main.breaches.slice(0, 30)) console.log(`  BREACH ${b.rule} ${b.tenant} [${b.ops.join(' ')}]: ${b.detail}`);
const file = writeClusterReport(main, scaling, { quick, spec, soak: named === 'soak' }, reportName);
const html = join(import.meta.dirname, '..', 'results', `${reportName}.html`);
const { checks } = JSON.parse(readFileSync(file, 'utf8')) as { checks: Array<{ name: string; value: number; target: string; pass: boolean }> };
writeHtmlReport(html, main, scaling, checks);
console.log(`wrote ${html}`);
process.exit(checks.every((c) => c.pass) ? 0 : 1);
