/**
 * The control-plane bench on three nodes: bench/cluster's scaffolding stands up NATS, two
 * Hazelcast members, three node processes (every one a gateway and actors, the first also the
 * image store) and HVX agent processes whose sim hosts are registered beforehand; load
 * processes (load-process.ts) drive the workload over REST, the 64 clients shared among them.
 * The baselines of the same run: the REST read of one application from the load processes, and
 * the raw actor ask over NATS (getApplication from a gateway-only node in this process, so every
 * ask crosses the bus to the node owning the application). On 2 cores the three nodes, two
 * members, NATS, agents and load processes share two CPUs: this measures contention more than
 * scale.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { startRavelNode, type RavelNode } from '../../service/ravel-node.ts';
import { startChild, waitUntil, type Child } from '../../test/harness/child-process.ts';
import { freePorts } from '../../test/harness/ports.ts';
import { projectRoot } from '../../test/harness/requirements.ts';
import { BenchCluster, type Tenant } from '../cluster/cluster.ts';
import { clusterNodes, type ClusterSpec } from '../cluster/spec.ts';
import { measureRate } from '../lib/baselines/rate.ts';
import { makeTenants, registerHosts } from './cluster-setup.ts';
import { parseLoadResult, shareOut, type LoadConfig, type LoadResult } from './load-messages.ts';
import { mergeTallies, quantile, type AskBaseline, type TopologyResult, type Workload } from './topology-result.ts';

export interface ThreeNodeOptions {
  readonly quick: boolean;
  /** Load processes the clients are shared among. */
  readonly loadProcesses: number;
  /** HVX agent processes the hosts are shared among. */
  readonly fleets: number;
  readonly onCleanup: (stop: () => Promise<void>) => void;
}

const SHARDS = 64;

/** The spec of the run: three nodes, two members, the hosts in `fleets` agent processes, no faults. */
export function threeNodeSpec(w: Workload, fleets: number): ClusterSpec {
  return {
    name: 'control-plane-3n',
    nodes: clusterNodes(3),
    hazelcastMembers: 2,
    fleets,
    hostsPerFleet: Math.ceil(w.hosts / fleets),
    workloads: [],
    durationS: 0,
    faults: [],
    settleBoundS: 0,
    shards: SHARDS,
  };
}

/** The last `progress STARTED FAILED` line of each load process, summed. */
function progressOf(loads: readonly Child[]): { started: number; failed: number } {
  let started = 0;
  let failed = 0;
  for (const c of loads) {
    const m = [...c.output().matchAll(/^progress (\d+) (\d+)$/gm)].at(-1);
    started += Number(m?.[1] ?? 0);
    failed += Number(m?.[2] ?? 0);
  }
  return { started, failed };
}

/** A node with the gateway role alone, in this process: its control plane asks the actors on the cluster's nodes over NATS. */
async function gatewayOnlyNode(cluster: BenchCluster): Promise<RavelNode> {
  const [port] = await freePorts(1);
  const config = compileConfig(
    {
      mode: 'cluster',
      nodeId: 'cp-bench-asker',
      roles: ['gateway'],
      dataDir: join(cluster.dir, 'asker'),
      logLevel: 'silent',
      nats: { servers: [...cluster.nats.urls], replicas: 1 },
      hazelcast: { members: [...cluster.hz.addresses], clusterName: cluster.hz.clusterName },
      gateway: { host: '127.0.0.1', port: port ?? 0, tls: 'off' },
      // A loaded machine answers slowly; the baseline's reads are not near it.
      actors: { shards: SHARDS, askTimeoutMs: 30_000 },
    },
    {},
  );
  return startRavelNode(config, { nodeId: 'cp-bench-asker', clock: systemClock, log: silentLogger });
}

/** The raw actor ask over NATS: `clients` reads in flight of applications `tenant` owns. */
async function askOverNats(node: RavelNode, tenant: Tenant, ids: readonly number[], seconds: number, clients: number): Promise<AskBaseline> {
  const s = await node.control.login(`${tenant.name}/${tenant.login}`, tenant.password);
  if (s === undefined) throw new Error(`the ask baseline could not log in as ${tenant.name}`);
  let refused = 0;
  const r = await measureRate(seconds, clients, (i) => node.control.getApplication(s.principal, ids[i % ids.length] ?? 0, 'deployment').catch(() => refused++));
  return { label: `actor ask over NATS from a gateway-only node (getApplication, ${clients} in flight)`, perSec: r.perSec, p50Ms: r.p50Us / 1000, p99Ms: r.p99Us / 1000, refused };
}

/** The REST read baseline of every load process, as one: reads pooled, rate over the longest process's time. */
function restReads(parts: readonly LoadResult[], clients: number): AskBaseline {
  const lat = parts.flatMap((p) => p.reads.latencyMs);
  const seconds = Math.max(...parts.map((p) => p.reads.seconds), Number.MIN_VALUE);
  return {
    label: `REST read through a gateway (GET deployment, ${clients} in flight)`,
    perSec: lat.length / seconds,
    p50Ms: quantile(lat, 0.5),
    p99Ms: quantile(lat, 0.99),
    refused: parts.reduce((n, p) => n + p.reads.refused, 0),
  };
}

export async function runThreeNodes(w: Workload, opts: ThreeNodeOptions): Promise<TopologyResult> {
  const spec = threeNodeSpec(w, opts.fleets);
  const registered = spec.fleets * spec.hostsPerFleet;
  const baselineSeconds = opts.quick ? 2 : 5;
  // Every load process has a client and a tenant of its own.
  const procs = Math.min(opts.loadProcesses, w.clients);
  let cluster: BenchCluster | undefined;
  let asker: RavelNode | undefined;
  const loads: Child[] = [];
  // Everything the cluster's scaffolding writes (its servers' and nodes' directories) goes
  // under one directory of this run's, removed at the end: also when interrupted before
  // BenchCluster.start has answered, when there is no cluster to stop yet.
  const scratch = mkdtempSync(join(tmpdir(), 'ravel-cp-bench-'));
  const tmpBefore = process.env['TMPDIR'];
  process.env['TMPDIR'] = scratch;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    await Promise.all(loads.map((c) => c.stop(2000)));
    await asker?.close().catch(() => undefined);
    await cluster?.stop();
    if (tmpBefore === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = tmpBefore;
    rmSync(scratch, { recursive: true, force: true });
  })());
  opts.onCleanup(stop);
  try {
    console.log(`three nodes: ${w.applications} applications of 3 VMs, ${w.clients} clients in ${procs} load processes over REST, 3 nodes, 2 Hazelcast members, ${registered} sim hosts registered in ${spec.fleets} agent processes`);
    const t0 = Date.now();
    // The agents boot as the one-node run's hosts do (fleet-process.ts reads it); no jitter, so the boot time subtracted is the boot time.
    process.env['RAVEL_FLEET_TIMING'] = JSON.stringify({ bootMs: w.bootMs, shutdownMs: 500, jitterMs: 0, seed: 1 });
    try {
      cluster = await BenchCluster.start(spec, console.log);
    } finally {
      delete process.env['RAVEL_FLEET_TIMING'];
    }
    // The asker is up from here on (idle until the baseline): it makes the tenants and hosts first.
    asker = await gatewayOnlyNode(cluster);
    await registerHosts(asker.control, cluster.fleetHosts.flat());
    const tenants = await makeTenants(asker.control, Array.from({ length: w.clients }, (_, i) => `cp${i}`));
    console.log(`  cluster and ${tenants.length} tenants ready in ${Math.round((Date.now() - t0) / 1000)} s`);

    const shares = shareOut(w.applications, procs);
    const perProc = shareOut(w.clients, procs);
    const files: string[] = [];
    for (let p = 0; p < procs; p++) {
      const { first, count } = perProc[p] as { first: number; count: number };
      const resultFile = join(cluster.dir, `load-${p}.json`);
      files.push(resultFile);
      const cfg: LoadConfig = {
        proc: `load-${p}`,
        tenants: tenants.slice(first, first + count),
        gateways: cluster.gatewayUrls(),
        ...(shares[p] as { first: number; count: number }),
        clients: count,
        bootMs: w.bootMs,
        pollMs: w.pollMs,
        baselineSeconds,
        resultFile,
      };
      loads.push(startChild(cfg.proc, process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'load-process.ts')], {
        cwd: projectRoot,
        env: { ...process.env, RAVEL_CP_LOAD: JSON.stringify(cfg) },
      }));
    }
    await Promise.all(loads.map((c) => waitUntil(`${c.name} ready`, () => c.output().includes('load ready'), 240_000, c)));
    const startupS = (Date.now() - t0) / 1000;
    console.log(`  ${loads.length} load processes logged in at ${Math.round(startupS)} s`);

    const started = performance.now();
    for (const c of loads) c.signal('SIGUSR1');
    const progress = setInterval(() => {
      const p = progressOf(loads);
      console.log(`  ${p.started} started, ${p.failed} failed, ${Math.round((performance.now() - started) / 1000)} s`);
    }, 10_000);
    try {
      // Bounded so a stuck run ends: far beyond what a healthy run takes.
      const bound = Math.max(600_000, w.applications * 1000);
      await Promise.all(loads.map((c) => waitUntil(`${c.name} workload`, () => c.output().includes('workload finished'), bound, c)));
    } finally {
      clearInterval(progress);
    }
    const seconds = (performance.now() - started) / 1000;

    // Baselines, nothing else running: the REST read from the load processes, then the raw ask.
    for (const c of loads) c.signal('SIGUSR1');
    await Promise.all(loads.map((c) => waitUntil(`${c.name} baseline`, () => c.output().includes('results written'), 120_000, c)));
    const parts = files.map((f) => parseLoadResult(readFileSync(f, 'utf8')));
    const tally = mergeTallies(parts.map((p) => p.tally));
    // The ask reads the applications of the first tenant that started any, as that tenant.
    const at = parts.findIndex((p) => p.tally.sampleIds.length > 0);
    const owner = tenants[(perProc[Math.max(0, at)] as { first: number }).first] as Tenant;
    const ask = await askOverNats(asker, owner, at < 0 ? [] : (parts[at] as LoadResult).tally.sampleIds, baselineSeconds, w.clients);
    return {
      label: 'three nodes',
      workload: w,
      seconds,
      tally,
      baseline: ask,
      extraBaselines: [restReads(parts, w.clients)],
      extras: [{ name: 'cluster start, tenants and logins (before the workload)', value: startupS, unit: 's' }],
      hosts: { count: new Set(tally.hostIds).size, what: 'hosts with VMs' },
    };
  } catch (e) {
    for (const c of loads) console.error(`--- ${c.name}:\n${c.output().slice(-3000)}`);
    throw e;
  } finally {
    await stop();
  }
}
