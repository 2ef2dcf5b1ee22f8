/**
 * Memory and CPU of the bench's processes, sampled from /proc once a second: resident set size
 * (split into anonymous and file-backed pages) and CPU time per process, so the report shows
 * what each node, member and agent used and whether memory grew over the run.
 */
import { readFileSync } from 'node:fs';
import { HEAP_DIR_ENV, readHeapReport } from './heap-report.ts';

export interface ProcSample {
  readonly at: number;
  readonly rssBytes: number;
  /**
   * Anonymous resident pages (RssAnon + RssShmem): the JS heap, buffers, native allocations.
   * What a leak grows, and what the process cannot give back under memory pressure.
   */
  readonly anonBytes: number;
  /**
   * File-backed resident pages (RssFile): the binary, libraries and the storage node's LMDB
   * memory map. LMDB reads through the map, so the store's pages it touched count here until the
   * kernel reclaims them: page cache, bounded by the store's size, not a leak.
   */
  readonly fileBytes: number;
  /** Live JS memory (heap in use + external buffers), from a node that reports it (heap-report.ts). */
  readonly heapBytes?: number;
  /** CPU seconds used since the process started (user + system). */
  readonly cpuS: number;
}

const ticks = 100; // USER_HZ on Linux

/** A `Name:   123 kB` line of /proc/PID/status, in bytes (0 when absent). */
function statusKb(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m === null ? 0 : Number(m[1]) * 1024;
}

export function sampleProc(pid: number, heapDir = process.env[HEAP_DIR_ENV]): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(f[11]);
    const stime = Number(f[12]);
    const rssPages = Number(f[21]);
    const heapBytes = heapDir === undefined ? undefined : readHeapReport(heapDir, pid);
    return {
      at: Date.now(),
      rssBytes: rssPages * 4096,
      anonBytes: statusKb(status, 'RssAnon') + statusKb(status, 'RssShmem'),
      fileBytes: statusKb(status, 'RssFile'),
      cpuS: (utime + stime) / ticks,
      ...(heapBytes === undefined ? {} : { heapBytes }),
    };
  } catch {
    return undefined;
  }
}

/** Samples each named process every second; `series()` answers what was gathered, by name. */
export class ProcSampler {
  private readonly samples = new Map<string, ProcSample[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: () => ReadonlyArray<readonly [string, number | undefined]>) {
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  private tick(): void {
    for (const [name, pid] of this.pids()) {
      if (pid === undefined) continue;
      const s = sampleProc(pid);
      if (s === undefined) continue;
      let list = this.samples.get(name);
      if (list === undefined) this.samples.set(name, (list = []));
      list.push(s);
    }
  }

  stop(): Map<string, ProcSample[]> {
    clearInterval(this.timer);
    return this.samples;
  }
}

export interface ProcSummary {
  readonly peakRssMb: number;
  /** RSS growth over the second half of the run, file-backed pages included. */
  readonly lateGrowthMb: number;
  /** Anonymous RSS growth over the second half of the run (what the report's check judges). */
  readonly lateAnonGrowthMb: number;
  readonly meanCpuCores: number;
}

/** Peak RSS, RSS growth over the second half of the run, and mean CPU use (cores) of one process. */
export function summarize(samples: readonly ProcSample[]): ProcSummary {
  if (samples.length < 2) return { peakRssMb: (samples[0]?.rssBytes ?? 0) / 2 ** 20, lateGrowthMb: 0, lateAnonGrowthMb: 0, meanCpuCores: 0 };
  const peak = Math.max(...samples.map((s) => s.rssBytes));
  const mid = samples[Math.floor(samples.length / 2)] as ProcSample;
  const last = samples[samples.length - 1] as ProcSample;
  // CPU time restarts with a restarted process: sum the positive steps only.
  let cpu = 0;
  for (let i = 1; i < samples.length; i++) {
    const d = (samples[i] as ProcSample).cpuS - (samples[i - 1] as ProcSample).cpuS;
    if (d > 0) cpu += d;
  }
  const span = (last.at - (samples[0] as ProcSample).at) / 1000;
  return {
    peakRssMb: peak / 2 ** 20,
    lateGrowthMb: (last.rssBytes - mid.rssBytes) / 2 ** 20,
    lateAnonGrowthMb: (last.anonBytes - mid.anonBytes) / 2 ** 20,
    meanCpuCores: span > 0 ? cpu / span : 0,
  };
}
