/**
 * Whether a process's memory grows without bound over a soak run, from its resident pages
 * sampled once a second. A garbage-collected process saws up and down and settles after warming
 * up, so the first quarter of the run is left out, and growth counts as unbounded only when both
 * hold: the least-squares slope of what remains is at least `minSlopeMbPerMin`, and the median of
 * each of `windows` consecutive windows is higher than the one before (a step up that then stays
 * flat is not a leak; a leak keeps climbing in every window).
 *
 * The rule judges anonymous resident memory (heap, buffers, native allocations), not the whole
 * RSS: the storage node reads its LMDB store through a memory map, so every store page it has
 * touched counts in its RSS as a file-backed page. Those grow with the store's size while a soak
 * keeps uploading (measured: about 10 MiB/min of file-backed pages on the storage node with its
 * heap and anonymous memory flat), are page cache the kernel takes back under pressure, and are
 * no leak. They are reported beside it (`fileSlopeMbPerMin`), and so is the whole RSS's slope.
 */
import type { ProcSample } from './proc-stats.ts';

export interface MemoryGrowth {
  readonly name: string;
  /** Fitted growth of anonymous RSS after the warm-up: what the rule judges. */
  readonly slopeMbPerMin: number;
  /** Median anonymous RSS of each window after the warm-up, in order. */
  readonly windowMediansMb: readonly number[];
  /** Fitted growth of file-backed RSS after the warm-up (LMDB's map, binaries): reported, not judged. */
  readonly fileSlopeMbPerMin: number;
  /** Fitted growth of the whole RSS after the warm-up, what `ps` would show. */
  readonly rssSlopeMbPerMin: number;
  readonly unbounded: boolean;
}

export interface GrowthRule {
  readonly warmupFraction: number;
  readonly windows: number;
  readonly minSlopeMbPerMin: number;
}

export const defaultGrowthRule: GrowthRule = { warmupFraction: 0.25, windows: 4, minSlopeMbPerMin: 2 };

const mb = (bytes: number): number => bytes / 2 ** 20;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

type Bytes = (s: ProcSample) => number;
const anon: Bytes = (s) => s.anonBytes;

/** Least-squares slope of one measure (MiB) over time (minutes). */
function slope(samples: readonly ProcSample[], bytes: Bytes): number {
  const n = samples.length;
  if (n < 2) return 0;
  const t0 = (samples[0] as ProcSample).at;
  const xs = samples.map((s) => (s.at - t0) / 60_000);
  const ys = samples.map((s) => mb(bytes(s)));
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function memoryGrowth(name: string, samples: readonly ProcSample[], rule: GrowthRule = defaultGrowthRule): MemoryGrowth {
  const rest = samples.slice(Math.floor(samples.length * rule.warmupFraction));
  const size = Math.floor(rest.length / rule.windows);
  if (size < 2) return { name, slopeMbPerMin: 0, windowMediansMb: [], fileSlopeMbPerMin: 0, rssSlopeMbPerMin: 0, unbounded: false };
  const medians = Array.from({ length: rule.windows }, (_, w) => median(rest.slice(w * size, (w + 1) * size).map((s) => mb(anon(s)))));
  const s = slope(rest, anon);
  const climbing = medians.every((m, i) => i === 0 || m > (medians[i - 1] as number));
  return {
    name,
    slopeMbPerMin: s,
    windowMediansMb: medians,
    fileSlopeMbPerMin: slope(rest, (x) => x.fileBytes),
    rssSlopeMbPerMin: slope(rest, (x) => x.rssBytes),
    unbounded: climbing && s >= rule.minSlopeMbPerMin,
  };
}
