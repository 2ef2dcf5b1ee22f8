/**
 * The control plane with the sim driver: applications of 3 VMs created, published and started by
 * 64 concurrent clients on one embedded node, the region renting its hosts on demand. Reports
 * applications started per second and the service's own overhead (start call to every VM
 * STARTED, minus the simulated boot time), beside the actor ask baseline of the same run (a
 * read of one application through the same control plane).
 *   npm run bench -- control-plane [--quick]     (quick: 100 hosts, 1,000 applications)
 *   --verbose lists each message type's turns and mean latency: where the time goes.
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
import { BenchReport, parseBenchArgs } from '../lib/report.ts';

const { quick, rest } = parseBenchArgs(process.argv.slice(2));
/** `--apps N` and `--clients N` shrink a run for profiling; the report says what ran. */
const arg = (name: string, dflt: number): number => {
  const i = rest.indexOf(name);
  return i < 0 ? dflt : Number(rest[i + 1]);
};
const HOSTS = quick ? 100 : 1000;
const APPS = arg('--apps', quick ? 1000 : 10_000);
const CLIENTS = arg('--clients', 64);
/** `--verbose`: each message type's turns and mean latency (accepted to answered), from the runtime's metrics. */
const verbose = rest.includes('--verbose');
const BOOT_MS = 1000;
/** How often a client reads its application once the boot time has passed: the overhead's resolution. */
const POLL_MS = 20;
const REGION = 'bench';
const operator: Principal = { kind: 'operator', name: 'bench' };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (xs: readonly number[], q: number): number => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;

/** Calls retried after a timeout, as a client would (each idempotent by its request id). */
let retries = 0;

/** Calls meet a loaded 2-core machine: a timed-out one is retried, idempotent by its request id. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= 5 || !isRavelError(e, 'TIMEOUT')) throw e;
      retries++;
    }
  }
}

/** One client's tenant: an organization and its logged-in admin. */
async function tenant(control: ControlPlane, i: number): Promise<Principal> {
  await retried(() => control.createOrganization(operator, { name: `bench-${i}`, admin: { email: `root@bench-${i}`, password: 'bench-password' } }, { requestId: `bench-org-${i}` }));
  const s = await retried(() => control.login(`root@bench-${i}`, 'bench-password'));
  if (s === undefined) throw new Error(`login of client ${i} failed`);
  return s.principal;
}

/** Publishes one application with every VM started; answers ms from the publish call to all STARTED. */
async function startOne(control: ControlPlane, p: Principal, n: number): Promise<{ id: number; ms: number; publishMs: number }> {
  const app = await retried(() => control.createApplication(p, { name: `app-${n}`, design: { vms: [sampleVm(1), sampleVm(2), sampleVm(3)] } }, { requestId: `create-${n}` }));
  const t0 = performance.now();
  await retried(() => control.publishApplication(p, app.id, { optimizationLevel: 'COST_OPTIMIZED', startAllVms: true }, { requestId: `publish-${n}` }));
  const publishMs = performance.now() - t0;
  await sleep(BOOT_MS);
  for (;;) {
    const got = await retried(() => control.getApplication(p, app.id, 'deployment'));
    const states = got.deployment?.vms.map((v) => v.state) ?? [];
    if (states.length === 3 && states.every((s) => s === 'STARTED')) return { id: app.id, ms: performance.now() - t0, publishMs };
    if (states.includes('ERROR')) throw new Error(`application ${app.id}: a VM in ERROR`);
    await sleep(POLL_MS);
  }
}

/** What the runtime did between two metric snapshots: writes, turns, each message type's count and mean latency. */
function turnsSince(a: ActorMetricsSnapshot, b: ActorMetricsSnapshot): { commits: number; turns: number; mean: (kind: string, type: string) => number } {
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

const report = new BenchReport('control-plane', { quick, hosts: HOSTS, applications: APPS, vmsPerApplication: 3, clients: CLIENTS, bootMs: BOOT_MS, pollMs: POLL_MS, mode: 'embedded, one node', driver: 'sim' });
const dataDir = mkdtempSync(join(tmpdir(), 'ravel-bench-cp-'));
const config = compileConfig(
  {
    mode: 'embedded',
    roles: ['actors'],
    dataDir,
    logLevel: 'silent',
    regions: [{ name: REGION, pricePerCpuHour: 0.02, pricePerGbHour: 0.004, hostSize: { cpus: 64, memoryMb: 262_144 }, maxHosts: HOSTS }],
    hosts: { heartbeatMs: 2000, deadAfterMs: 60_000, releaseIdleAfterMs: 3_600_000 },
  },
  {},
);
const node = await startRavelNode(config, { nodeId: 'bench', clock: systemClock, log: silentLogger, simTiming: { bootMs: BOOT_MS, shutdownMs: 500, jitterMs: 0, seed: 1 } });
try {
  const control = node.control;
  const system = node.system;
  if (system === undefined) throw new Error('the bench node runs no actors');
  console.log(`control-plane${quick ? ' (quick)' : ''}: ${APPS} applications of 3 VMs, ${CLIENTS} clients, one embedded node, up to ${HOSTS} sim hosts rented on demand`);
  const principals: Principal[] = [];
  for (let i = 0; i < CLIENTS; i++) principals.push(await tenant(control, i));
  console.log(`  ${CLIENTS} tenants ready`);
  const latencies: number[] = [];
  const publishes: number[] = [];
  /** The first client's applications: the baseline reads them as their owner. */
  const firstClientIds: number[] = [];
  let next = 0;
  let failed = 0;
  const before = system.metrics();
  const t0 = performance.now();
  const progress = setInterval(() => console.log(`  ${latencies.length} started, ${failed} failed, ${Math.round((performance.now() - t0) / 1000)} s`), 10_000);
  await Promise.all(
    principals.map(async (p, client) => {
      for (let n = next++; n < APPS; n = next++) {
        try {
          const r = await startOne(control, p, n);
          latencies.push(r.ms - BOOT_MS);
          publishes.push(r.publishMs);
          if (client === 0) firstClientIds.push(r.id);
        } catch (e) {
          failed++;
          if (failed <= 5) console.error(`  application ${n}: ${(e as Error).message}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(progress);
  latencies.sort((a, b) => a - b);
  publishes.sort((a, b) => a - b);
  const hosts = await control.listHosts(operator, REGION);
  const work = turnsSince(before, system.metrics());

  // The baseline: one ask through the same control plane, same node, 64 in flight, each
  // answered (a refused read would measure the refusal).
  const p0 = principals[0] as Principal;
  let refused = 0;
  const ask = await measureRate(quick ? 2 : 5, CLIENTS, (i) =>
    control.getApplication(p0, firstClientIds[i % firstClientIds.length] ?? 0, 'deployment').catch(() => refused++),
  );

  report.figure('applications started per second', APPS / seconds, 'apps/s');
  report.figure('VMs started per second', (3 * (APPS - failed)) / seconds, 'VMs/s');
  report.figure('start to all STARTED minus boot, p50', pct(latencies, 0.5), 'ms', 'actor ask p50');
  report.figure('start to all STARTED minus boot, p99', pct(latencies, 0.99), 'ms', 'actor ask p99');
  report.figure('publish call (placement, answered), p50', pct(publishes, 0.5), 'ms');
  report.figure('publish call (placement, answered), p99', pct(publishes, 0.99), 'ms');
  report.figure('actor ask p50 (getApplication, 64 in flight)', ask.p50Us / 1000, 'ms');
  report.figure('actor ask p99 (getApplication, 64 in flight)', ask.p99Us / 1000, 'ms');
  report.figure('actor asks per second', ask.perSec, 'asks/s');
  report.figure('durable record writes per application', work.commits / APPS, 'writes');
  report.figure('turns per durable record write', work.turns / Math.max(1, work.commits), 'turns');
  report.figure('region place, accepted to answered, mean', work.mean('region', 'place'), 'ms');
  report.figure('hosts rented', hosts.length, 'hosts');
  report.figure('calls retried after a timeout (5 s ask deadline)', retries, 'calls');
  report.figure('wall time', seconds, 's');
  report.atLeast('every application reached STARTED', APPS - failed, 'apps', APPS);
  report.atMost('baseline reads refused', refused, 'reads', 0);
  report.atMost('hosts rented within the region limit', hosts.length, 'hosts', HOSTS);
  report.atMost('hosts rented, packed (3 VMs of 2 CPUs, 64-CPU hosts)', hosts.length, 'hosts', Math.ceil((APPS * 3 * 2) / 64) + 2);
  report.write();
} finally {
  await node.close();
  rmSync(dataDir, { recursive: true, force: true });
}
