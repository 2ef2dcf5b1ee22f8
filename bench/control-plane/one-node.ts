/**
 * The control-plane bench on one embedded node, in this process: the region rents its sim
 * hosts on demand, and 64 clients call the programmatic API. The baseline is a read of one
 * application through the same control plane (an actor ask on the same node).
 * Where the durable writes go (--verbose, 1,000 applications): each application's events reach
 * its organization in ~7 hand-overs (create, publish, each VM's provisioned and STARTED), and
 * each costs three writes (the application's outbox reminder, the organization's recordEvents and
 * its own drain reminder): ~20 of ~31 writes per application; a host report the application acts
 * on is one more (define results, running statuses; those that change nothing are left out by the
 * bridge); hvx-host heartbeats write per host per interval, so their share per application grows
 * with the run's length (~3 on a loaded 3-minute run). Agents take 16 commands at once
 * (hvx/protocol.ts COMMANDS_IN_FLIGHT); cost packing sends the applications being started to
 * the newest host or two, and the reminder index writes around each reminder turn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../../config/load.ts';
import { isRavelError } from '../../core/errors.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import type { Principal } from '../../domain/tenancy/principal.ts';
import type { ControlPlane } from '../../control/control-plane.ts';
import type { ActorMetricsSnapshot, MessageStats } from '../../actors/runtime/metrics.ts';
import { startRavelNode } from '../../service/ravel-node.ts';
import { measureRate } from '../lib/baselines/rate.ts';
import { emptyTally, startAll, type ClientTally, type Started, type TopologyResult, type Workload } from './topology-result.ts';

const REGION = 'bench';
const operator: Principal = { kind: 'operator', name: 'bench' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Calls meet a loaded 2-core machine: a timed-out one is retried, idempotent by its request id. */
async function retried<T>(tally: ClientTally, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= 5 || !isRavelError(e, 'TIMEOUT')) throw e;
      tally.retries++;
    }
  }
}

/** One client's tenant: an organization and its logged-in admin. */
async function tenant(control: ControlPlane, tally: ClientTally, i: number): Promise<Principal> {
  await retried(tally, () => control.createOrganization(operator, { name: `bench-${i}`, admin: { email: `root@bench-${i}`, password: 'bench-password' } }, { requestId: `bench-org-${i}` }));
  const s = await retried(tally, () => control.login(`root@bench-${i}`, 'bench-password'));
  if (s === undefined) throw new Error(`login of client ${i} failed`);
  return s.principal;
}

/** Publishes one application with every VM started; answers ms from the publish call to all STARTED. */
async function startOne(control: ControlPlane, w: Workload, tally: ClientTally, p: Principal, n: number): Promise<Started> {
  const app = await retried(tally, () => control.createApplication(p, { name: `app-${n}`, design: { vms: [sampleVm(1), sampleVm(2), sampleVm(3)] } }, { requestId: `create-${n}` }));
  const t0 = performance.now();
  await retried(tally, () => control.publishApplication(p, app.id, { optimizationLevel: 'COST_OPTIMIZED', startAllVms: true }, { requestId: `publish-${n}` }));
  const publishMs = performance.now() - t0;
  await sleep(w.bootMs);
  for (;;) {
    const got = await retried(tally, () => control.getApplication(p, app.id, 'deployment'));
    const vms = got.deployment?.vms ?? [];
    const states = vms.map((v) => v.state);
    if (states.length === 3 && states.every((s) => s === 'STARTED')) {
      return { id: app.id, ms: performance.now() - t0, publishMs, hosts: vms.flatMap((v) => (v.hostId === undefined ? [] : [v.hostId])) };
    }
    if (states.includes('ERROR')) throw new Error(`application ${app.id}: a VM in ERROR`);
    await sleep(w.pollMs);
  }
}

/** What the runtime did between two metric snapshots: writes, turns, each message type's count and mean latency. */
function turnsSince(a: ActorMetricsSnapshot, b: ActorMetricsSnapshot, verbose: boolean): { commits: number; turns: number; mean: (kind: string, type: string) => number } {
  const key = (m: MessageStats): string => `${m.kind}.${m.type}`;
  const earlier = new Map(a.messages.map((m) => [key(m), m]));
  const rows = b.messages.map((m) => {
    const e = earlier.get(key(m));
    const n = m.completed + m.failed - (e === undefined ? 0 : e.completed + e.failed);
    const us = m.latency.sumUs - (e?.latency.sumUs ?? 0);
    return { name: key(m), n, meanMs: n === 0 ? 0 : us / n / 1000 };
  });
  if (verbose) for (const r of rows.filter((x) => x.n > 0).sort((x, y) => y.n * y.meanMs - x.n * x.meanMs)) console.log(`    ${r.name.padEnd(40)} ${String(r.n).padStart(8)} turns ${r.meanMs.toFixed(1).padStart(9)} ms mean`);
  return {
    commits: b.commits.count - a.commits.count,
    turns: b.committedTurns - a.committedTurns,
    mean: (kind, type) => rows.find((r) => r.name === `${kind}.${type}`)?.meanMs ?? 0,
  };
}

/** Runs the workload on one embedded node; `verbose` lists each message type's turns and mean latency. */
export async function runOneNode(w: Workload, opts: { quick: boolean; verbose: boolean; onCleanup: (stop: () => Promise<void>) => void }): Promise<TopologyResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ravel-bench-cp-'));
  const config = compileConfig(
    {
      mode: 'embedded',
      roles: ['actors'],
      dataDir,
      logLevel: 'silent',
      regions: [{ name: REGION, pricePerCpuHour: 0.02, pricePerGbHour: 0.004, hostSize: { cpus: 64, memoryMb: 262_144 }, maxHosts: w.hosts }],
      hosts: { heartbeatMs: 2000, deadAfterMs: 60_000, releaseIdleAfterMs: 3_600_000 },
    },
    {},
  );
  const node = await startRavelNode(config, { nodeId: 'bench', clock: systemClock, log: silentLogger, simTiming: { bootMs: w.bootMs, shutdownMs: 500, jitterMs: 0, seed: 1 } });
  // Once, whether the run ends or is interrupted.
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= node.close().finally(() => rmSync(dataDir, { recursive: true, force: true })));
  opts.onCleanup(stop);
  try {
    const control = node.control;
    const system = node.system;
    if (system === undefined) throw new Error('the bench node runs no actors');
    console.log(`one node: ${w.applications} applications of 3 VMs, ${w.clients} clients, one embedded node, up to ${w.hosts} sim hosts rented on demand`);
    const tally = emptyTally();
    const principals: Principal[] = [];
    for (let i = 0; i < w.clients; i++) principals.push(await tenant(control, tally, i));
    console.log(`  ${w.clients} tenants ready`);
    const before = system.metrics();
    const t0 = performance.now();
    const progress = setInterval(() => console.log(`  ${tally.overheadMs.length} started, ${tally.failed} failed, ${Math.round((performance.now() - t0) / 1000)} s`), 10_000);
    await startAll(principals, { first: 0, end: w.applications, bootMs: w.bootMs }, tally, (p, n) => startOne(control, w, tally, p, n));
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(progress);
    const rented = await control.listHosts(operator, REGION);
    const work = turnsSince(before, system.metrics(), opts.verbose);

    // The baseline: one ask through the same control plane, same node, as many in flight as
    // clients, each answered (a refused read would measure the refusal).
    const p0 = principals[0] as Principal;
    let refused = 0;
    const ask = await measureRate(opts.quick ? 2 : 5, w.clients, (i) =>
      control.getApplication(p0, tally.sampleIds[i % tally.sampleIds.length] ?? 0, 'deployment').catch(() => refused++),
    );
    return {
      label: 'one node',
      workload: w,
      seconds,
      tally,
      baseline: { label: `actor ask, same node (getApplication, ${w.clients} in flight)`, perSec: ask.perSec, p50Ms: ask.p50Us / 1000, p99Ms: ask.p99Us / 1000, refused },
      extraBaselines: [],
      extras: [
        { name: 'durable record writes per application', value: work.commits / w.applications, unit: 'writes' },
        { name: 'turns per durable record write', value: work.turns / Math.max(1, work.commits), unit: 'turns' },
        { name: 'region place, accepted to answered, mean', value: work.mean('region', 'place'), unit: 'ms' },
      ],
      hosts: { count: rented.length, what: 'hosts rented' },
    };
  } finally {
    await stop();
  }
}
