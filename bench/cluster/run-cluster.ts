/**
 * One run of the cluster bench: start the cluster, make the tenants, start the load
 * generators, inject the faults at their moments, wait, read the final state until the checker
 * is satisfied or the settle bound passes, and stop everything. Used by main.ts and the chaos
 * test alike.
 */
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startChild, waitUntil, type Child } from '../../test/harness/child-process.ts';
import { projectRoot } from '../../test/harness/requirements.ts';
import { BenchCluster, type Tenant } from './cluster.ts';
import { check, type CheckResult } from './checker.ts';
import { inject, type FaultRecord } from './faults.ts';
import { readFinalState, type FinalState } from './final-state.ts';
import { readHistory, type HistoryLine } from './history.ts';
import type { LoadgenConfig } from './loadgen-process.ts';
import { ProcSampler, type ProcSample } from './proc-stats.ts';
import type { ClusterSpec, WorkloadSpec } from './spec.ts';

export interface RunResult {
  readonly spec: ClusterSpec;
  readonly start: number;
  readonly durationS: number;
  readonly history: readonly HistoryLine[];
  readonly faults: readonly FaultRecord[];
  readonly check: CheckResult;
  readonly final: FinalState;
  readonly settleMs: number;
  readonly procs: ReadonlyMap<string, readonly ProcSample[]>;
  readonly startupMs: number;
  /** Where the histories and the final state of this run are kept for investigation. */
  readonly keptDir: string;
}

interface Generator {
  readonly workload: WorkloadSpec;
  readonly proc: string;
  readonly tenants: Tenant[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runCluster(spec: ClusterSpec, log: (line: string) => void = console.log): Promise<RunResult> {
  const t0 = Date.now();
  log(`cluster ${spec.name}: ${spec.nodes.length} nodes, ${spec.hazelcastMembers} Hazelcast members, ${spec.fleets}x${spec.hostsPerFleet} hosts, ${spec.durationS} s`);
  const cluster = await BenchCluster.start(spec, log);
  const loadgens: Child[] = [];
  let sampler: ProcSampler | undefined;
  try {
    // Tenants of each generator; live clients watch the control-plane tenants.
    const plan: Array<{ workload: WorkloadSpec; proc: string; names: string[] }> = [];
    spec.workloads.forEach((w, wi) => {
      for (let p = 0; p < w.processes; p++) {
        const proc = `${w.kind}-${p}`;
        const names = w.kind === 'live' ? [] : Array.from({ length: w.tenantsPerProcess }, (_, i) => `w${wi}p${p}t${i}`);
        plan.push({ workload: w, proc, names });
      }
    });
    const tenants = await cluster.setup(plan.flatMap((g) => g.names));
    const byName = new Map(tenants.map((t) => [t.name, t]));
    const watched = plan.filter((g) => g.workload.kind === 'control-plane').flatMap((g) => g.names);
    const generators: Generator[] = plan.map((g) => ({
      workload: g.workload,
      proc: g.proc,
      tenants: (g.workload.kind === 'live' ? watched.slice(0, g.workload.tenantsPerProcess) : g.names).map((n) => byName.get(n) as Tenant),
    }));
    const startupMs = Date.now() - t0;
    log(`  ready in ${startupMs} ms; ${generators.length} load generators`);

    const files = generators.map((g) => join(cluster.dir, `history-${g.proc}.jsonl`));
    generators.forEach((g, i) => {
      const cfg: LoadgenConfig = {
        kind: g.workload.kind,
        proc: g.proc,
        tenants: g.tenants,
        gateways: g.workload.kind === 'uploads' ? cluster.uploadGatewayUrls() : cluster.gatewayUrls(),
        durationS: spec.durationS,
        concurrency: g.workload.concurrency,
        historyFile: files[i] as string,
        seed: i + 1,
      };
      loadgens.push(startChild(g.proc, process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'loadgen-process.ts')], {
        cwd: projectRoot,
        env: { ...process.env, RAVEL_LOADGEN: JSON.stringify(cfg) },
      }));
    });
    // Every generator has its sessions, then all start at once.
    await Promise.all(loadgens.map((c) => waitUntil(`${c.name} ready`, () => c.output().includes('loadgen ready'), 180_000, c)));
    const start = Date.now();
    for (const c of loadgens) c.signal('SIGUSR1');
    sampler = new ProcSampler(() => [...cluster.pids(), ...loadgens.map((c) => [`loadgen ${c.name}`, c.process.pid] as const)]);

    const faults: FaultRecord[] = [];
    const faulting = (async () => {
      for (const f of spec.faults) {
        const wait = start + f.atS * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
        log(`  t=${Math.round((Date.now() - start) / 1000)} s: ${f.kind}`);
        const r = await inject(cluster, f);
        log(`    ${r.label}: ${r.detail}`);
        faults.push(r);
      }
    })();
    await faulting;
    const exits = await Promise.race([
      Promise.all(loadgens.map((c) => c.exited)),
      sleep((spec.durationS + 90) * 1000 - (Date.now() - start)).then(() => undefined),
    ]);
    if (exits === undefined || exits.some((code) => code !== 0)) {
      const bad = loadgens.filter((c) => c.process.exitCode !== 0).map((c) => `${c.name}: ${c.output().slice(-2000)}`);
      throw new Error(`load generators did not finish cleanly\n${bad.join('\n')}`);
    }
    const history = readHistory(files);
    // Kept for whoever investigates a run (the cluster's own directory is removed).
    const kept = mkdtempSync(join(tmpdir(), `ravel-cluster-history-${spec.name}-`));
    for (const f of files) if (existsSync(f)) copyFileSync(f, join(kept, basename(f)));
    log(`  workload done: ${history.length} history lines (kept in ${kept})`);

    // Read the final state until the checker is satisfied or the bound has passed.
    const settleStart = Date.now();
    let final: FinalState;
    let result: CheckResult;
    for (;;) {
      final = await readFinalState(tenants, cluster.gatewayUrls(), history, await cluster.hostVms());
      result = check(history, final, faults);
      const onlyState = result.breaches.every((b) => b.rule === 'state');
      if (result.ok || !onlyState || Date.now() - settleStart > spec.settleBoundS * 1000) break;
      await sleep(2000);
    }
    const procs = sampler.stop();
    // With the histories: what the checker read last (VMs' hosts included), for a breach's investigation.
    writeFileSync(join(kept, 'final.json'), JSON.stringify({ start, faults, final, breaches: result.breaches }));
    // And what each node wrote last (its warnings and errors, up to 64 kB): a run whose nodes
    // stopped answering leaves nothing else to go on.
    for (const [id, child] of cluster.nodes) writeFileSync(join(kept, `node-${id}.log`), child.output());
    cluster.fleets.forEach((child, f) => child !== undefined && writeFileSync(join(kept, `fleet-${f}.log`), child.output()));
    return { spec, start, durationS: spec.durationS, history, faults, check: result, final, settleMs: Date.now() - settleStart, procs, startupMs, keptDir: kept };
  } finally {
    sampler?.stop();
    await Promise.all(loadgens.map((c) => c.stop(2000)));
    await cluster.stop();
  }
}
