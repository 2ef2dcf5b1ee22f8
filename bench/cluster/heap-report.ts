/**
 * Live JS memory of a bench node, for the soak's memory rule: each second a node writes its
 * heap in use and external memory (buffers) to `<dir>/heap-<pid>.json`, where the bench's /proc
 * sampler (proc-stats.ts) reads it beside the process's RSS. RSS alone cannot tell a leak from
 * memory the allocator keeps: glibc's main arena stays at the high-water mark of freed Buffer
 * backing stores (measured on soaks: it rose in steps to the peak of `arrayBuffers` on every
 * node and never came down), and the storage node's LMDB map adds file-backed pages.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';

/** Set by `cluster soak` (main.ts); the nodes inherit it with the rest of the environment. */
export const HEAP_DIR_ENV = 'RAVEL_BENCH_HEAP_DIR';

const file = (dir: string, pid: number): string => join(dir, `heap-${pid}.json`);

/**
 * In a node: writes its live JS memory every second, replacing the file whole (renamed in);
 * answers how to stop. Live means as the last full garbage collection left it: heap in use and
 * external buffers read just after each mark-compact (a sample at any other moment would carry
 * whatever garbage has piled up since, a sawtooth that can climb for minutes). Until the first
 * one, the current figures.
 */
export function startHeapReports(dir: string): () => void {
  const path = file(dir, process.pid);
  const now = (): { heapUsed: number; external: number } => {
    const m = process.memoryUsage();
    return { heapUsed: m.heapUsed, external: m.external };
  };
  let live: { heapUsed: number; external: number } | undefined;
  const gcs = new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) live = now();
  });
  gcs.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    try {
      writeFileSync(`${path}.tmp`, JSON.stringify(live ?? now()));
      renameSync(`${path}.tmp`, path);
    } catch {
      // The bench removed the directory (its run is over): nothing reads these any more.
    }
  }, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    gcs.disconnect();
  };
}

/** In the bench: the last heap in use plus external memory the process reported, if any. */
export function readHeapReport(dir: string, pid: number): number | undefined {
  try {
    const r = JSON.parse(readFileSync(file(dir, pid), 'utf8')) as { heapUsed?: unknown; external?: unknown };
    return typeof r.heapUsed === 'number' && typeof r.external === 'number' ? r.heapUsed + r.external : undefined;
  } catch {
    return undefined;
  }
}
