/**
 * Whether a process's memory grows without bound over a soak run, from its RSS sampled once a
 * second. A garbage-collected process saws up and down and settles after warming up, so the
 * first quarter of the run is left out, and growth counts as unbounded only when both hold:
 * the least-squares slope of what remains is at least `minSlopeMbPerMin`, and the median of
 * each of `windows` consecutive windows is higher than the one before (a step up that then
 * stays flat is not a leak; a leak keeps climbing in every window).
 */
import type { ProcSample } from './proc-stats.ts';

export interface MemoryGrowth {
  readonly name: string;
  /** Fitted RSS growth after the warm-up. */
  readonly slopeMbPerMin: number;
  /** Median RSS of each window after the warm-up, in order. */
  readonly windowMediansMb: readonly number[];
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

/** Least-squares slope of RSS (MiB) over time (minutes). */
function slope(samples: readonly ProcSample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const t0 = (samples[0] as ProcSample).at;
  const xs = samples.map((s) => (s.at - t0) / 60_000);
  const ys = samples.map((s) => mb(s.rssBytes));
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
  if (size < 2) return { name, slopeMbPerMin: 0, windowMediansMb: [], unbounded: false };
  const medians = Array.from({ length: rule.windows }, (_, w) => median(rest.slice(w * size, (w + 1) * size).map((s) => mb(s.rssBytes))));
  const s = slope(rest);
  const climbing = medians.every((m, i) => i === 0 || m > (medians[i - 1] as number));
  return { name, slopeMbPerMin: s, windowMediansMb: medians, unbounded: climbing && s >= rule.minSlopeMbPerMin };
}
