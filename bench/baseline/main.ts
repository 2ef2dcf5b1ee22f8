/**
 * The baselines every other benchmark is compared with, measured on this machine in one run:
 * raw NATS, raw Hazelcast, raw LMDB, SHA-256, msgpackr, uWebSockets.js and Node http
 * hello-worlds. No Ravel code is measured here.
 */
import { BenchReport, parseBenchArgs } from '../lib/report.ts';
import { measureLmdb } from '../lib/baselines/lmdb.ts';
import { measureMsgpackr, measureSha256MBps } from '../lib/baselines/cpu.ts';
import { measureHelloWorld } from '../lib/baselines/uws.ts';
import { measureHazelcast, measureNats } from './servers.ts';

const { quick } = parseBenchArgs(process.argv.slice(2));
const report = new BenchReport('baseline', { quick });
const mib = 1024 * 1024;

console.log(`baseline${quick ? ' (quick)' : ''}`);

const lmdb = await measureLmdb((quick ? 256 : 1024) * mib);
report.figure('lmdb 64 KiB put (synced)', lmdb.putMBps, 'MB/s');
report.figure('lmdb 64 KiB get', lmdb.getMBps, 'MB/s');

report.figure('sha256', measureSha256MBps((quick ? 512 : 2048) * mib), 'MB/s');
const mp = measureMsgpackr(quick ? 200_000 : 1_000_000);
report.figure('msgpackr encode, typical actor message', mp.encodePerSec, 'msg/s');
report.figure('msgpackr decode, typical actor message', mp.decodePerSec, 'msg/s');
report.figure('typical actor message size', mp.bytes, 'bytes');

const seconds = quick ? 3 : 10;
await measureNats(report, quick ? 2 : 5, quick);
await measureHazelcast(report, quick ? 2 : 5);

const uws = await measureHelloWorld('uws', seconds);
report.figure('uWS hello-world, wrk 64 connections', uws.requestsPerSec, 'req/s');
report.figure('uWS hello-world p99', uws.p99Ms, 'ms');
const nodeHttp = await measureHelloWorld('node-http', seconds);
report.figure('node http hello-world, wrk 64 connections', nodeHttp.requestsPerSec, 'req/s');

report.write();
