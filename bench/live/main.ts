/**
 * WebSocket fan-out of live status (issue 6): N clients of one organization spread over 2 to 4
 * client processes (one process cannot hold them all within its descriptor limit, and clients
 * would steal the server's CPU), all subscribed to `vms`. The server appends VM state changes to
 * its tenant stream, each carrying its send time; every client notes when it had each one and
 * checks that each socket gets every sequence after its snapshot once and in order.
 * Reported: p50/p99 over every delivery, and p50/p99 of the time until the last client had an
 * event, with the CPU of the server and of each client process beside. Target: p99 < 100 ms at
 * 10,000 clients. `--quick` uses 2,000 clients over 2 processes and fewer events;
 * `--clients=N --processes=K` set them by hand.
 *
 * What it leaves out: the event is appended in the gateway's process, where the bus would hand it
 * over, so the actor commit and the bus hop are not in the figure (bench/actors measures those).
 *
 * Where the server's time goes (Nov 2026, shared 2-core machine): the gateway publishes each
 * event once to its tenant's uWS topic and uWS writes it to every subscriber in C++, so the
 * server's user-space CPU per delivery is near zero (it was about 2.3 µs with a JS send per
 * client); what is left is the kernel's loopback write, one `sendto` per client and event
 * (strace: exactly one), about 8-10 µs each here. The clients take more again to read them, on
 * the same two cores: with `ws` 15-16 µs a message (3.5-4 in the kernel); `ws` without UTF-8
 * validation and with the fields read from the bytes was no cheaper. The bare RFC 6455 client
 * now in clients.ts, every socket reading into one shared buffer (`onread`: no stream, no Buffer
 * per read), takes 10-11 µs (3 in the kernel) while checking each socket's sequence (Nov 27,
 * --quick, machine shared and loaded: noisy). So 10,000 clients still cost about 100 ms of
 * server CPU and as much again of client CPU per event: the p99 target needs a quieter machine
 * or more cores than these two.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchReport, parseBenchArgs } from '../lib/report.ts';

const { quick, rest } = parseBenchArgs(process.argv.slice(2));
/** `--clients=N` and `--processes=K` override the defaults, to look at one size by hand. */
const flag = (name: string): number | undefined => {
  const v = rest.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  return v === undefined ? undefined : Number(v);
};
const clients = flag('clients') ?? (quick ? 2_000 : 10_000);
const processes = Math.min(4, Math.max(2, flag('processes') ?? (quick ? 2 : 4)));
const events = quick ? 15 : 50;
const intervalMs = 200;
const report = new BenchReport('live', { clients, clientProcesses: processes, events, intervalMs, topic: 'vms', quick });

/** Descriptors each process asks for: its sockets and some room; at most the hard limit. */
function fdLimit(sockets: number): number {
  const hard = Number(readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+\d+\s+(\d+)/)?.[1] ?? 1024);
  return Math.min(hard, sockets + 1024);
}

/** Starts a TypeScript file in its own node under a raised `ulimit -n`, with IPC. */
function start(script: string, args: string[], sockets: number): ChildProcess {
  const limit = fdLimit(sockets);
  const quoted = [script, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('sh', ['-c', `ulimit -n ${limit} && exec "${process.execPath}" --import tsx ${quoted}`], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function next<T>(child: ChildProcess, op: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`no ${op} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: { op: string }): void => {
      if (m.op !== op) return;
      settle();
      resolve(m as T);
    };
    const onExit = (code: number | null): void => {
      settle();
      reject(new Error(`a process exited with ${code} while waiting for ${op}`));
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** utime and stime of a process, in seconds (100 ticks a second on Linux). */
function cpuTimes(pid: number): { user: number; system: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { user: Number(f[11]) / 100, system: Number(f[12]) / 100 };
}

function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

const openFiles = (pid: number): number => Number(readFileSync(`/proc/${pid}/limits`, 'utf8').match(/Max open files\s+(\d+)/)?.[1] ?? 0);

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN);
}

const children: ChildProcess[] = [];
try {
  const server = start(join(import.meta.dirname, 'server.ts'), [], clients);
  children.push(server);
  const { port, session } = await next<{ port: number; session: string }>(server, 'ready', 30_000);
  const url = `ws://127.0.0.1:${port}/api/v1/live`;
  console.log(`live fan-out: ${clients} clients over ${processes} processes, ${events} events ${intervalMs} ms apart`);
  console.log(`  descriptor limit: server ${openFiles(server.pid ?? 0)}, clients ${fdLimit(Math.ceil(clients / processes))}`);

  const connectStart = performance.now();
  const procs = Array.from({ length: processes }, (_, k) => {
    const n = Math.floor(clients / processes) + (k < clients % processes ? 1 : 0);
    const child = start(join(import.meta.dirname, 'clients.ts'), [url, session, String(n)], n);
    children.push(child);
    return child;
  });
  await Promise.all(procs.map((p) => next(p, 'ready', 180_000)));
  report.figure('clients connected and given a snapshot', clients, 'clients');
  report.figure('time to connect them all', (performance.now() - connectStart) / 1000, 's');

  const pids = [server, ...procs].map((p) => p.pid ?? 0);
  const cpuBefore = pids.map(cpuSeconds);
  const timesBefore = pids.map(cpuTimes);
  const runStart = performance.now();
  let lastEmitted = { clients: 0, fanOutMs: 0 };
  const fanOut: number[] = [];
  for (let i = 0; i < events; i++) {
    const done = next<{ clients: number; fanOutMs: number }>(server, 'emitted', 10_000);
    server.send({ op: 'emit', i });
    lastEmitted = await done;
    fanOut.push(lastEmitted.fanOutMs);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  await new Promise((r) => setTimeout(r, 1000)); // the last deliveries
  const wallSeconds = (performance.now() - runStart) / 1000;
  const cpuAfter = pids.map(cpuSeconds);
  const timesAfter = pids.map(cpuTimes);
  /** CPU seconds spent during the run by the processes from index `from` on (0: the server). */
  const spent = (kind: 'user' | 'system', from: number, to: number): number =>
    timesAfter.slice(from, to).reduce((sum, t, k) => sum + t[kind] - (timesBefore[from + k]?.[kind] ?? 0), 0);
  const cpu = pids.map((pid, k) => ((cpuAfter[k] ?? 0) - (cpuBefore[k] ?? 0)) / wallSeconds);

  const reports = await Promise.all(
    procs.map((p) => {
      const r = next<{ latencies: Array<[number, number[]]>; closedEarly: number; outOfSequence: number; unexpected: number }>(p, 'report', 60_000);
      p.send({ op: 'report' });
      return r;
    }),
  );
  const all: number[] = [];
  const lastClient = new Map<number, number>();
  let closedEarly = 0;
  let outOfSequence = 0;
  let unexpected = 0;
  for (const r of reports) {
    closedEarly += r.closedEarly;
    outOfSequence += r.outOfSequence;
    unexpected += r.unexpected;
    for (const [i, list] of r.latencies) {
      for (const ms of list) all.push(ms);
      lastClient.set(i, Math.max(lastClient.get(i) ?? 0, ...list));
    }
  }
  all.sort((a, b) => a - b);
  const completion = [...lastClient.values()].sort((a, b) => a - b);
  const missing = clients * events - all.length;

  report.figure('clients connected during the run', lastEmitted.clients, 'clients');
  report.figure('deliveries', all.length, 'messages');
  report.figure('delivery latency p50', percentile(all, 50), 'ms');
  report.figure('delivery latency p99', percentile(all, 99), 'ms');
  report.figure('delivery latency max', all.at(-1) ?? Number.NaN, 'ms');
  report.figure('until every client had the event, p50', percentile(completion, 50), 'ms');
  report.figure('until every client had the event, p99', percentile(completion, 99), 'ms');
  fanOut.sort((a, b) => a - b);
  report.figure('server publish call (wall) per event, p50', percentile(fanOut, 50), 'ms');
  report.figure('server publish call (wall) per event, max', fanOut.at(-1) ?? Number.NaN, 'ms');
  report.figure('server CPU', (cpu[0] ?? 0) * 100, '% of a core');
  // CPU time does not depend on the neighbours as latency does on a shared machine.
  report.figure('server CPU per event sent to every client', ((cpu[0] ?? 0) * wallSeconds * 1000) / events, 'ms');
  report.figure('server CPU per delivery', ((cpu[0] ?? 0) * wallSeconds * 1e6) / Math.max(1, all.length), 'µs');
  // In the kernel (the loopback writes, one per client and event) or in the process itself.
  const perDelivery = (seconds: number): number => (seconds * 1e6) / Math.max(1, all.length);
  report.figure('  of which in the kernel', perDelivery(spent('system', 0, 1)), 'µs');
  report.figure('  of which in user space', perDelivery(spent('user', 0, 1)), 'µs');
  report.figure('client processes CPU per delivery, in the kernel', perDelivery(spent('system', 1, pids.length)), 'µs');
  report.figure('client processes CPU per delivery, in user space', perDelivery(spent('user', 1, pids.length)), 'µs');
  procs.forEach((_, k) => report.figure(`client process ${k + 1} CPU`, (cpu[k + 1] ?? 0) * 100, '% of a core'));
  report.atMost('delivery latency p99', percentile(all, 99), 'ms', 100);
  report.atMost('until every client had the event, p99', percentile(completion, 99), 'ms', 100);
  report.atMost('deliveries missing', missing, 'messages', 0);
  report.atMost('clients closed by the server', closedEarly, 'clients', 0);
  // Every client checks that each event is the next sequence after its snapshot.
  report.atMost('events out of sequence (gap, duplicate, reordered)', outOfSequence, 'messages', 0);
  report.atMost('messages before a snapshot or of no known form', unexpected, 'messages', 0);
  report.write();
} finally {
  for (const c of children) c.kill('SIGKILL');
}
process.exit(0);
