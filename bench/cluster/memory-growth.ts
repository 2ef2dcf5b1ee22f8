/**
 * Whether a process's memory grows without bound over a soak run, from its memory sampled once
 * a second. A garbage-collected process saws up and down and settles after warming
 * up, so the first quarter of the run is left out, or longer when what the node keeps by design
 * takes longer to reach its size (`minWarmupMs`: activations live until passivated, 5 idle
 * minutes by default, so their number climbs for that long before as many leave as arrive), and
 * growth counts as unbounded only when both
 * hold: the least-squares slope of what remains is at least `minSlopeMbPerMin`, and the median of
 * each of `windows` consecutive windows is higher than the one before (a step up that then stays
 * flat is not a leak; a leak keeps climbing in every window).
 *
 * What the rule judges is live memory, not the whole RSS, which grows without any leak in two
 * ways (both measured on 6- to 8-minute soaks of the quick mix, noisy: a shared 2-core machine):
 * - file-backed pages: the storage node reads its LMDB store through a memory map, so every
 *   store page it touched counts in its RSS. They grew 6 to 9 MiB/min, all of it the store's
 *   data.mdb mapping, about half of that node's RSS growth: page cache the kernel takes back
 *   under pressure, bounded by the store's size;
 * - the allocator's high-water mark: glibc's main arena rose in steps on every node to the peak
 *   of live Buffer memory (`arrayBuffers`) and never came down, 5 to 16 MiB/min of anonymous
 *   RSS over a short run, with the JS heap flat.
 * So a node (or an HVX agent process) that reports its JS heap and external buffers as its last full garbage collection
 * left them (heap-report.ts) is judged on those; a JVM (a Hazelcast member), whose heap is capped
 * by -Xmx and which fills it before collecting old objects (its RSS climbs for as long as a soak
 * lasts and then stops), on a ceiling: its anonymous RSS must stay under the heap's cap plus an
 * allowance for what lives outside the heap; any other process (load generators, the NATS
 * server) on its anonymous RSS. What a process keeps by design up to a cap (an agent's ledger of
 * applied commands, 10,000 per host; a gateway's upload statuses, 10,000) fills slower than the
 * slope bound and is judged with the rest. Anonymous and file-backed growth are reported beside it for
 * every process, and the whole RSS's slope too.
 */
import type { ProcSample } from './proc-stats.ts';

export interface MemoryGrowth {
  readonly name: string;
  /** What the rule judged: the reported JS heap + external memory, anonymous RSS against a ceiling (a JVM), or its growth. */
  readonly judged: 'heap' | 'ceiling' | 'anonymous';
  /** The ceiling judged against, for a process that has one. */
  readonly ceilingMb?: number;
  /** Seconds after the first sample at which judging began (the warm-up left out before it). */
  readonly judgedFromS: number;
  /** The highest anonymous RSS after the warm-up. */
  readonly peakAnonMb: number;
  /** Fitted growth of the judged measure after the warm-up. */
  readonly slopeMbPerMin: number;
  /** Median of the judged measure in each window after the warm-up, in order. */
  readonly windowMediansMb: readonly number[];
  /** Fitted growth of anonymous RSS after the warm-up (heap, buffers, what the allocator keeps). */
  readonly anonSlopeMbPerMin: number;
  /** Fitted growth of file-backed RSS after the warm-up (LMDB's map, binaries): reported, not judged. */
  readonly fileSlopeMbPerMin: number;
  /** Fitted growth of the whole RSS after the warm-up, what `ps` would show. */
  readonly rssSlopeMbPerMin: number;
  readonly unbounded: boolean;
}

export interface GrowthRule {
  readonly warmupFraction: number;
  /**
   * The warm-up lasts at least this long: until caches bounded by time rather than count (idle
   * activations, passivated after `passivateAfterMs`) have filled, as many leaving as arriving.
   */
  readonly minWarmupMs?: number;
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
const heap: Bytes = (s) => s.heapBytes ?? 0;

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

/** A JVM's ceiling: its -Xmx heap plus room for metaspace, code cache, thread stacks and the collector's own tables. */
export const jvmCeilingMb = (heapMb: number): number => heapMb + 256;

/** `ceilingMb`: the process has a hard cap (a JVM's, jvmCeilingMb) and is judged against it rather than on its slope. */
export function memoryGrowth(name: string, samples: readonly ProcSample[], rule: GrowthRule = defaultGrowthRule, ceilingMb?: number): MemoryGrowth {
  const t0 = samples[0]?.at ?? 0;
  const span = (samples[samples.length - 1]?.at ?? t0) - t0;
  const warmupMs = Math.max(span * rule.warmupFraction, rule.minWarmupMs ?? 0);
  const rest = samples.filter((s) => s.at - t0 >= warmupMs);
  const judgedFromS = Math.round(warmupMs / 1000);
  const size = Math.floor(rest.length / rule.windows);
  const judged = ceilingMb !== undefined ? 'ceiling' : rest.length > 0 && rest.every((s) => s.heapBytes !== undefined) ? 'heap' : 'anonymous';
  const ceiling = ceilingMb === undefined ? {} : { ceilingMb };
  const peakAnonMb = rest.reduce((m, x) => Math.max(m, mb(x.anonBytes)), 0);
  if (size < 2) return { name, judged, ...ceiling, judgedFromS, peakAnonMb, slopeMbPerMin: 0, windowMediansMb: [], anonSlopeMbPerMin: 0, fileSlopeMbPerMin: 0, rssSlopeMbPerMin: 0, unbounded: false };
  const measure = judged === 'heap' ? heap : anon;
  const medians = Array.from({ length: rule.windows }, (_, w) => median(rest.slice(w * size, (w + 1) * size).map((s) => mb(measure(s)))));
  const s = slope(rest, measure);
  const climbing = medians.every((m, i) => i === 0 || m > (medians[i - 1] as number));
  return {
    name,
    judged,
    ...ceiling,
    judgedFromS,
    peakAnonMb,
    slopeMbPerMin: s,
    windowMediansMb: medians,
    anonSlopeMbPerMin: slope(rest, anon),
    fileSlopeMbPerMin: slope(rest, (x) => x.fileBytes),
    rssSlopeMbPerMin: slope(rest, (x) => x.rssBytes),
    unbounded: ceilingMb !== undefined ? peakAnonMb > ceilingMb : climbing && s >= rule.minSlopeMbPerMin,
  };
}
