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

/** Set by `cluster soak` (main.ts); the nodes inherit it with the rest of the environment. */
export const HEAP_DIR_ENV = 'RAVEL_BENCH_HEAP_DIR';

const file = (dir: string, pid: number): string => join(dir, `heap-${pid}.json`);

/** In a node: writes its live JS memory every second, replacing the file whole (renamed in); answers how to stop. */
export function startHeapReports(dir: string): () => void {
  const path = file(dir, process.pid);
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    try {
      writeFileSync(`${path}.tmp`, JSON.stringify({ heapUsed: m.heapUsed, external: m.external }));
      renameSync(`${path}.tmp`, path);
    } catch {
      // The bench removed the directory (its run is over): nothing reads these any more.
    }
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
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
