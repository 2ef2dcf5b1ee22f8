/** HTTP load with Debian's wrk, in its own process so it does not share the server's event loop. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** `headers`: extra request headers, `Name: value` each (a session cookie). */
export async function wrk(url: string, seconds: number, connections = 64, threads = 1, headers: readonly string[] = []): Promise<WrkResult> {
  const h = headers.flatMap((x) => ['-H', x]);
  const { stdout } = await run('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency', ...h, url], {
    timeout: (seconds + 30) * 1000,
  });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  if (rps === null) throw new Error(`wrk printed no rate:\n${stdout}`);
  const errors = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
  const socketErrors = /Socket errors:.*?connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const socketErrorCount = socketErrors === null ? 0 : socketErrors.slice(1).reduce((a, b) => a + Number(b), 0);
  return {
    requestsPerSec: Number(rps[1]),
    p50Ms: latencyMs(stdout, '50%'),
    p99Ms: latencyMs(stdout, '99%'),
    errors: Number(errors?.[1] ?? 0) + socketErrorCount,
  };
}

function latencyMs(out: string, pct: string): number {
  const m = new RegExp(`^\\s+${pct}\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
  if (m === null) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}
