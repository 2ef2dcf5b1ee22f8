/**
 * The control plane with the sim driver: applications of 3 VMs created, published and started by
 * 64 concurrent clients, on one embedded node (one-node.ts, the programmatic API in this
 * process) and on three nodes of a cluster of processes (three-nodes.ts, REST from load
 * processes). Reports, side by side, applications started per second and the service's own
 * overhead (start call to every VM STARTED, minus the simulated boot time), beside the actor ask
 * baseline of the same run; bench/results/control-plane.json holds both topologies' figures
 * (named `NAME [one node]`, `NAME [three nodes]`) and the checks of each.
 *   npm run bench -- control-plane [--quick] [--only one|three] [--apps N] [--clients N] [--verbose]
 * (bench-args.ts says what each does.) On 2 cores the three nodes measure contention more than
 * scale: every process of the cluster shares the same two CPUs.
 * Every process started is stopped at the end, on an error, on SIGINT/SIGTERM and when the
 * parent (bench/run.ts) goes away.
 */
import { BenchReport, parseBenchArgs } from '../lib/report.ts';
import { missingHazelcast, missingNats } from '../../test/harness/requirements.ts';
import { parseControlPlaneArgs, type ControlPlaneArgs } from './bench-args.ts';
import { runOneNode } from './one-node.ts';
import { addToReport, OVERHEAD_P50_BOUND_MS, OVERHEAD_P99_BOUND_MS } from './side-by-side.ts';
import { runThreeNodes, threeNodeSpec } from './three-nodes.ts';
import type { TopologyResult } from './topology-result.ts';

const { quick, rest } = parseBenchArgs(process.argv.slice(2));
let args: ControlPlaneArgs;
try {
  args = parseControlPlaneArgs(rest, quick);
} catch (e) {
  console.error(`${(e as Error).message}\nusage: npm run bench -- control-plane [--quick] [--only one|three] [--apps N] [--clients N] [--verbose]`);
  process.exit(2);
}
const missing = [missingNats(), missingHazelcast()].filter((m) => m !== undefined);
if (args.topologies.includes('three') && missing.length > 0) {
  console.error(`the three-node run needs real servers: ${missing.join('; ')} (--only one runs the one-node run alone)`);
  process.exit(2);
}
const FLEETS = quick ? 2 : 4;
const LOAD_PROCESSES = 2;

// Interrupted or orphaned: stop what runs (nodes, servers, load processes), then exit; the
// harness SIGKILLs any child still there when this process exits.
const cleanups: Array<() => Promise<void>> = [];
let interrupted = false;
const interrupt = (why: string): void => {
  if (interrupted) return;
  interrupted = true;
  console.error(`\ncontrol-plane: ${why}, stopping`);
  // Held (not unref'd): it also keeps the event loop alive while the stops run, which a pending
  // LMDB close does not, and Node would end with 13 (top-level await unsettled) before the rest.
  const cap = new Promise((r) => setTimeout(r, 20_000));
  void Promise.race([Promise.allSettled(cleanups.map((c) => c())), cap]).finally(() => process.exit(130));
};
process.once('SIGINT', () => interrupt('SIGINT'));
process.once('SIGTERM', () => interrupt('SIGTERM'));
const parent = process.ppid;
setInterval(() => process.ppid !== parent && interrupt('parent gone'), 1000).unref();
const onCleanup = (stop: () => Promise<void>): void => void cleanups.push(stop);

const one = args.workloads.one;
const three = args.workloads.three;
const report = new BenchReport('control-plane', {
  quick,
  vmsPerApplication: 3,
  driver: 'sim',
  noisy: 'measured on a shared 2-core machine; three nodes there measure contention more than scale',
  overheadBounds: `the issue names no bound on the overhead; the checks hold p50 <= ${OVERHEAD_P50_BOUND_MS} ms and p99 <= ${OVERHEAD_P99_BOUND_MS} ms, with the ask baseline and the ratio to it`,
  ...(args.topologies.includes('one') ? { oneNode: { ...one, mode: 'embedded, one node, programmatic API in the bench process, hosts rented on demand' } } : {}),
  ...(args.topologies.includes('three')
    ? { threeNodes: { ...three, mode: `cluster: 3 nodes, 2 Hazelcast members, NATS, ${FLEETS} sim agent processes, REST from ${LOAD_PROCESSES} load processes, hosts registered beforehand` } }
    : {}),
});
const results: TopologyResult[] = [];
if (args.topologies.includes('one')) results.push(await runOneNode(one, { quick, verbose: args.verbose, onCleanup }));
if (args.topologies.includes('three')) results.push(await runThreeNodes(three, { quick, loadProcesses: LOAD_PROCESSES, fleets: FLEETS, onCleanup }));
for (const r of results) for (const e of r.tally.errors) console.error(`  ${r.label}: ${e}`);

const spec = threeNodeSpec(three, FLEETS);
addToReport(report, results, (r) => (r.label === 'three nodes' ? spec.fleets * spec.hostsPerFleet : r.workload.hosts));
const [a, b] = results;
if (a !== undefined && b !== undefined) {
  const rate = (r: TopologyResult): number => r.tally.overheadMs.length / r.seconds;
  const sizes = a.workload.applications === b.workload.applications ? '' : `, ${b.workload.applications} vs ${a.workload.applications} applications`;
  report.figure(`three nodes / one node, applications started per second (contention on 2 cores, not scale${sizes})`, rate(b) / rate(a), 'ratio');
}
report.write();
process.exit(report.checks.every((c) => c.pass) ? 0 : 1);
