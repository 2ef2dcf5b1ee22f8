/**
 * REST read through the gateway, `GET /api/v1/applications/{id}` with a session cookie, each
 * figure beside its baseline of the same run, all loaded by wrk with 64 connections:
 *
 * - framework only: the gateway with one fake route shaped like the read (routing, schema,
 *   rate limits, metrics, JSON reply; no actor), for where the time goes;
 * - embedded mode: a whole node (bench/gateway/node-server.ts: session resolved by the
 *   organization actor, the application read from its actor) against the uWebSockets.js
 *   hello-world served by the same process. Target (issue 6): at least 0.5 of hello-world;
 * - cluster mode (NATS and Hazelcast from test/harness, when installed): an actor node and a
 *   gateway-only node, each its own process, so every ask crosses the bus. The REST read
 *   against the actor runtime's read ask from the gateway node's process in the same run (the
 *   ControlPlane read the route makes, over the bus, 64 in flight). Target: at least 0.8.
 *
 * On a shared 2-core machine the rates move with whatever else runs, so each server's CPU time
 * per request (from /proc, less what the process spends idle) is reported beside them, and the
 * whole machine's (every process and the kernel: what bounds a rate when the cores are full).
 * In cluster mode the REST read is an ask plus an HTTP exchange, so ask / (ask + hello-world),
 * by machine CPU, is the highest ratio to the ask this machine allows; it is reported too. The WebSocket fan-out half of the issue's
 * gateway benchmark is `npm run bench -- live` (bench/live).
 *   npm run bench -- gateway [--quick]
 * With RAVEL_BENCH_CPU_PROF=<dir> each server process writes a CPU profile there as it stops
 * (for finding where the time goes; the figures of such a run are not comparable).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHazelcast } from '../../test/harness/hazelcast.ts';
import { startNats } from '../../test/harness/nats.ts';
import { missingHazelcast, missingNats } from '../../test/harness/requirements.ts';
import type { Rate } from '../lib/baselines/rate.ts';
import { machineBusyMicros } from '../lib/machine-cpu.ts';
import { BenchReport, parseBenchArgs } from '../lib/report.ts';
import { wrk, type WrkResult } from '../lib/wrk.ts';
import type { NodeServerReady } from './node-server.ts';

const { quick } = parseBenchArgs(process.argv.slice(2));
const seconds = quick ? 3 : 10;
const report = new BenchReport('gateway', { quick, seconds, connections: 64, threads: 1, route: 'GET /api/v1/applications/{id}', auth: 'session cookie' });

interface Measured extends WrkResult {
  cpuMicrosPerRequest: number;
  /** CPU of the whole machine per request (machine-cpu.ts). */
  machineMicrosPerRequest: number;
}

/** utime + stime of a process, in clock ticks (100 a second on Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

function start<T>(script: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; ready: T }> {
  // RAVEL_BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it stops (not for figures: the profiler costs CPU).
  const profile = process.env['RAVEL_BENCH_CPU_PROF'];
  const child = fork(join(import.meta.dirname, script), [], {
    execArgv: ['--import', 'tsx', ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, ready: m as T }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/**
 * CPU a server process spends a second with no load (heartbeats, the simulated fleet, grid and
 * bus clients), in µs: taken off the CPU per request, which would otherwise depend on the rate.
 */
async function idleCpuMicrosPerSecond(child: ChildProcess): Promise<number> {
  const before = cpuTicks(child.pid ?? 0);
  await new Promise((r) => setTimeout(r, 2000));
  return ((cpuTicks(child.pid ?? 0) - before) / 100 / 2) * 1e6;
}

async function measure(child: ChildProcess, url: string, headers: readonly string[] = [], idleMicros = 0): Promise<Measured> {
  await wrk(url, 1, 64, 1, headers); // warm-up: JIT, buckets, metric series, activations
  const before = cpuTicks(child.pid ?? 0);
  const machineBefore = machineBusyMicros();
  const r = await wrk(url, seconds, 64, 1, headers);
  const cpuMicros = ((cpuTicks(child.pid ?? 0) - before) / 100) * 1e6 - idleMicros * seconds;
  const requests = Math.max(1, r.requestsPerSec * seconds);
  return { ...r, cpuMicrosPerRequest: Math.max(0, cpuMicros) / requests, machineMicrosPerRequest: (machineBusyMicros() - machineBefore) / requests };
}

type Asks = Rate & { cpuMicrosPerAsk: number; machineMicrosPerAsk: number };

function asks(child: ChildProcess): Promise<Asks> {
  const machineBefore = machineBusyMicros();
  return new Promise((resolve) => {
    child.once('message', (m) => {
      const r = (m as { asks: Rate & { cpuMicrosPerAsk: number } }).asks;
      resolve({ ...r, machineMicrosPerAsk: (machineBusyMicros() - machineBefore) / Math.max(1, r.perSec * seconds) });
    });
    child.send({ asks: seconds });
  });
}

function show(label: string, m: Measured, baseline?: string): void {
  report.figure(label, m.requestsPerSec, 'req/s', baseline);
  report.figure(`${label} p99`, m.p99Ms, 'ms');
  report.figure(`${label} server CPU per request`, m.cpuMicrosPerRequest, 'µs');
  report.figure(`${label} machine CPU per request`, m.machineMicrosPerRequest, 'µs');
}

/** The gateway's node: hello-world of its process, the REST read, the actor read ask; the checks of its mode. */
async function benchNode(mode: 'embedded' | 'cluster', env: NodeJS.ProcessEnv): Promise<void> {
  // Cluster mode: the actors on a node of their own, reached over the bus.
  const actors = mode === 'cluster' ? (await start<{ up: true }>('node-server.ts', { ...env, RAVEL_ROLES: 'actors,storage' })).child : undefined;
  const { child, ready } = await start<NodeServerReady>('node-server.ts', mode === 'cluster' ? { ...env, RAVEL_ROLES: 'gateway' } : env).catch(async (e: unknown) => {
    if (actors !== undefined) await stop(actors);
    throw e;
  });
  try {
    const idle = await idleCpuMicrosPerSecond(child);
    report.figure(`${mode}: gateway process CPU when idle`, idle / 1e4, '% of a core');
    const hello = await measure(child, `http://127.0.0.1:${ready.helloPort}/`, [], idle);
    show(`${mode}: uws hello-world (same process)`, hello);
    const rest = await measure(child, `http://127.0.0.1:${ready.gatewayPort}/api/v1/applications/${ready.appId}`, [`Cookie: ${ready.cookie}`], idle);
    const label = `${mode}: GET /applications/{id}`;
    show(label, rest, `${mode}: uws hello-world (same process)`);
    report.figure(`${label} p50`, rest.p50Ms, 'ms');
    const measured = await asks(child);
    const ask = { ...measured, cpuMicrosPerAsk: Math.max(0, measured.cpuMicrosPerAsk - idle / Math.max(1, measured.perSec)) };
    const where = mode === 'cluster' ? 'over the bus from the gateway node' : 'in process';
    report.figure(`${mode}: actor read ask (getApplication, ${where}, 64 in flight)`, ask.perSec, 'asks/s');
    report.figure(`${mode}: actor read ask p99`, ask.p99Us / 1000, 'ms');
    report.figure(`${mode}: actor read ask, CPU of the asking process per ask`, ask.cpuMicrosPerAsk, 'µs');
    report.figure(`${mode}: actor read ask, machine CPU per ask`, ask.machineMicrosPerAsk, 'µs');
    report.atMost(`${mode}: REST read non-2xx or socket errors`, rest.errors, 'responses', 0);
    if (mode === 'embedded') {
      report.ratioAtLeast('embedded: REST read vs uws hello-world of the same process', rest.requestsPerSec, hello.requestsPerSec, 'req/s', 0.5);
      // Inverse CPU cost: the rate ratio the two would have on a machine of their own.
      report.ratioAtLeast('embedded: REST read vs hello-world, by server CPU per request', 1 / rest.cpuMicrosPerRequest, 1 / hello.cpuMicrosPerRequest, '1/µs', 0.5);
      report.figure('embedded: REST read / actor read ask', rest.requestsPerSec / ask.perSec, 'ratio');
    } else {
      report.ratioAtLeast('cluster: REST read vs the actor read ask of the same run', rest.requestsPerSec, ask.perSec, 'req/s', 0.8);
      // The same by CPU of the gateway's process: less at the mercy of the neighbours.
      report.ratioAtLeast('cluster: REST read vs actor read ask, by CPU per operation', 1 / rest.cpuMicrosPerRequest, 1 / ask.cpuMicrosPerAsk, '1/µs', 0.8);
      report.figure('cluster: REST read / uws hello-world', rest.requestsPerSec / hello.requestsPerSec, 'ratio');
      // A REST read is at least an ask plus an HTTP exchange: with the machine's cores the
      // limit, the best ratio this machine allows is ask / (ask + hello-world), by machine CPU.
      report.figure('cluster: highest REST/ask ratio this machine allows, ask / (ask + hello-world) by machine CPU', ask.machineMicrosPerAsk / (ask.machineMicrosPerAsk + hello.machineMicrosPerRequest), 'ratio');
    }
  } finally {
    await stop(child);
    if (actors !== undefined) await stop(actors);
  }
}

console.log(`gateway REST read, ${seconds} s per run, wrk -t 1 -c 64${quick ? ' (quick)' : ''}`);
{
  const { child, ready } = await start<number>('server.ts');
  try {
    const fw = await measure(child, `http://127.0.0.1:${ready}/api/v1/applications/42`);
    show('framework only: fake GET /applications/{id}', fw);
  } finally {
    child.kill('SIGKILL');
  }
}
await benchNode('embedded', { RAVEL_MODE: 'embedded' });

const missing = missingNats() ?? missingHazelcast();
if (missing !== undefined) {
  console.log(`  cluster mode skipped: ${missing}`);
} else {
  const nats = await startNats();
  const hz = await startHazelcast({ members: 1 });
  try {
    await benchNode('cluster', {
      RAVEL_MODE: 'cluster',
      RAVEL_NATS_SERVERS: nats.urls.join(','),
      RAVEL_HAZELCAST_MEMBERS: hz.addresses.join(','),
      RAVEL_HAZELCAST_CLUSTER: hz.clusterName,
    });
  } finally {
    await hz.stop();
    await nats.stop();
  }
}
report.write();
