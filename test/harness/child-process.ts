/**
 * Child processes started by tests: started with their output kept for diagnosis, killed on
 * purpose for fault tests, and always reaped (also when the test process exits early), so no
 * server is left behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** The last 64 KiB of stdout and stderr. */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function startChild(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(proc);
  let out = '';
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString('utf8')).slice(-65536);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      live.delete(proc);
      resolve(code);
    });
    proc.once('error', (e) => {
      keep(Buffer.from(String(e)));
      live.delete(proc);
      resolve(null);
    });
  });
  return {
    name,
    process: proc,
    output: () => out,
    exited,
    signal: (sig) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    },
    async stop(graceMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `ready` until it answers true, or fails with the child's output after timeoutMs. */
export async function waitUntil(
  what: string,
  ready: () => Promise<boolean> | boolean,
  timeoutMs: number,
  child?: Child,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await ready()) return;
    } catch {
      // not ready yet
    }
    if (child !== undefined && child.process.exitCode !== null) {
      throw new Error(`${what}: ${child.name} exited with ${child.process.exitCode}\n${child.output()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not ready after ${timeoutMs} ms\n${child?.output() ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
