/**
 * REST read through the gateway framework (`GET /api/v1/applications/{id}`: routing, param
 * schema, auth hook, rate limits, metrics, JSON reply) against a uWebSockets.js hello-world,
 * both loaded by wrk with 64 connections in the same run. Target (issue 6): at least 0.5 of
 * the hello-world rate.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { BenchReport, parseBenchArgs } from '../lib/report.ts';
import { measureHelloWorld } from '../lib/baselines/uws.ts';
import { wrk, type WrkResult } from '../lib/wrk.ts';

const { quick } = parseBenchArgs(process.argv.slice(2));
const seconds = quick ? 3 : 10;
const report = new BenchReport('gateway', {
  seconds,
  connections: 64,
  route: 'GET /api/v1/applications/{id}',
  auth: 'none',
});

async function measureGateway(): Promise<WrkResult> {
  const child = fork(join(import.meta.dirname, 'server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve(Number(m)));
      child.once('exit', (code) => reject(new Error(`gateway bench server exited with ${code}`)));
    });
    await wrk(`http://127.0.0.1:${port}/api/v1/applications/42`, 1); // warm-up: JIT and buckets
    return await wrk(`http://127.0.0.1:${port}/api/v1/applications/42`, seconds);
  } finally {
    child.kill('SIGKILL');
  }
}

console.log(`gateway REST read, ${seconds} s per run, wrk -c 64`);
const hello = await measureHelloWorld('uws', seconds);
report.figure('uws hello-world', hello.requestsPerSec, 'req/s');
report.figure('uws hello-world p99', hello.p99Ms, 'ms');
const gw = await measureGateway();
report.figure('gateway GET /applications/{id}', gw.requestsPerSec, 'req/s', 'uws hello-world');
report.figure('gateway GET /applications/{id} p50', gw.p50Ms, 'ms');
report.figure('gateway GET /applications/{id} p99', gw.p99Ms, 'ms');
report.figure('gateway errors', gw.errors, 'responses');
report.ratioAtLeast(
  'gateway read vs uws hello-world',
  gw.requestsPerSec,
  hello.requestsPerSec,
  'req/s',
  0.5,
);
report.atMost('gateway non-2xx or socket errors', gw.errors, 'responses', 0);
report.write();
