/**
 * REST read through the gateway framework (`GET /api/v1/applications/{id}`: routing, param
 * schema, auth hook, rate limits, metrics, JSON reply) against the uWebSockets.js
 * hello-world of bench/lib/baselines, both loaded by wrk with 64 connections in the same
 * run. Target (issue 6): at least 0.5 of the hello-world rate. On a shared 2-core machine
 * the rates move with whatever else runs, so each server's CPU time per request (from
 * /proc) is reported beside them: that ratio does not depend on the neighbours. The WebSocket
 * fan-out half of the gateway benchmark is `npm run bench -- live` (bench/live).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchReport, parseBenchArgs } from '../lib/report.ts';
import { wrk, type WrkResult } from '../lib/wrk.ts';

const { quick } = parseBenchArgs(process.argv.slice(2));
const seconds = quick ? 3 : 10;
const report = new BenchReport('gateway', { seconds, connections: 64, route: 'GET /api/v1/applications/{id}', auth: 'none' });

interface Measured extends WrkResult {
  cpuMicrosPerRequest: number;
}

/** utime + stime of a process, in clock ticks (100 a second on Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

async function measure(script: string, args: string[], path: string): Promise<Measured> {
  const child = fork(script, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve(Number(m)));
      child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    });
    const url = `http://127.0.0.1:${port}${path}`;
    await wrk(url, 1); // warm-up: JIT, buckets, metric series
    const before = cpuTicks(child.pid ?? 0);
    const r = await wrk(url, seconds);
    const cpuSeconds = (cpuTicks(child.pid ?? 0) - before) / 100;
    return { ...r, cpuMicrosPerRequest: (cpuSeconds * 1e6) / (r.requestsPerSec * seconds) };
  } finally {
    child.kill('SIGKILL');
  }
}

console.log(`gateway REST read, ${seconds} s per run, wrk -c 64`);
const hello = await measure(join(import.meta.dirname, '..', 'lib', 'baselines', 'hello-server.ts'), ['uws'], '/');
report.figure('uws hello-world', hello.requestsPerSec, 'req/s');
report.figure('uws hello-world p99', hello.p99Ms, 'ms');
report.figure('uws hello-world server CPU per request', hello.cpuMicrosPerRequest, 'µs');
const gw = await measure(join(import.meta.dirname, 'server.ts'), [], '/api/v1/applications/42');
report.figure('gateway GET /applications/{id}', gw.requestsPerSec, 'req/s', 'uws hello-world');
report.figure('gateway GET /applications/{id} p50', gw.p50Ms, 'ms');
report.figure('gateway GET /applications/{id} p99', gw.p99Ms, 'ms');
report.figure('gateway server CPU per request', gw.cpuMicrosPerRequest, 'µs', 'uws hello-world server CPU per request');
report.figure('gateway errors', gw.errors, 'responses');
report.ratioAtLeast('gateway read vs uws hello-world', gw.requestsPerSec, hello.requestsPerSec, 'req/s', 0.5);
// Inverse CPU cost: the rate ratio the two would have on a machine of their own.
report.ratioAtLeast('gateway vs hello-world, by server CPU per request', 1 / gw.cpuMicrosPerRequest, 1 / hello.cpuMicrosPerRequest, '1/µs', 0.5);
report.atMost('gateway non-2xx or socket errors', gw.errors, 'responses', 0);
report.write();
