/**
 * Figures from a history: per operation its rate and latency percentiles, errors by code, a
 * per-second series (throughput, errors, latency percentiles) for the plots, and how long the
 * service took to recover after each fault.
 */
import { isCompletion, type Completion, type HistoryLine } from './history.ts';
import type { FaultRecord } from './faults.ts';

export interface OpStats {
  readonly op: string;
  readonly ok: number;
  readonly fail: number;
  readonly info: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
}

export interface SecondPoint {
  /** Seconds since the workload started. */
  readonly t: number;
  readonly ok: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly liveEvents: number;
}

export interface Recovery {
  readonly fault: string;
  readonly atS: number;
  /** From the fault's start until throughput is back to half its level before, with few errors; -1 if never. */
  readonly recoverMs: number;
}

/** Refusals the workload provokes on purpose or by racing its own VMs: not errors of the service. */
export function expectedRefusal(c: Completion): boolean {
  return c.type === 'fail' && (c.code === 'ILLEGAL_STATE' || (c.op === 'probe-other' && c.code === 'NOT_FOUND'));
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] as number;
}

export function opStats(history: readonly HistoryLine[], durationS: number): OpStats[] {
  const by = new Map<string, Completion[]>();
  for (const l of history) {
    if (!isCompletion(l)) continue;
    // Pushed in place: a copy per line made a 30-minute soak's report quadratic (hours).
    const list = by.get(l.op);
    if (list === undefined) by.set(l.op, [l]);
    else list.push(l);
  }
  return [...by].map(([op, cs]) => {
    const lat = cs.filter((c) => c.type === 'ok').map((c) => c.ms).sort((a, b) => a - b);
    return {
      op,
      ok: lat.length,
      fail: cs.filter((c) => c.type === 'fail').length,
      info: cs.filter((c) => c.type === 'info').length,
      perSecond: lat.length / durationS,
      p50Ms: percentile(lat, 0.5),
      p99Ms: percentile(lat, 0.99),
      p999Ms: percentile(lat, 0.999),
    };
  }).sort((a, b) => a.op.localeCompare(b.op));
}

export function errorsByCode(history: readonly HistoryLine[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of history) if (isCompletion(l) && l.type !== 'ok') out[l.code ?? 'UNKNOWN'] = (out[l.code ?? 'UNKNOWN'] ?? 0) + 1;
  return out;
}

export function series(history: readonly HistoryLine[], start: number, durationS: number): SecondPoint[] {
  const buckets = Array.from({ length: Math.ceil(durationS) }, () => ({ ok: 0, errors: 0, lat: [] as number[], live: 0 }));
  for (const l of history) {
    const b = buckets[Math.floor((l.at - start) / 1000)];
    if (b === undefined) continue;
    if (l.type === 'live') b.live += l.events;
    if (!isCompletion(l) || l.op === 'ws-connect') continue;
    if (l.type === 'ok') b.ok++;
    else if (!expectedRefusal(l)) b.errors++;
    b.lat.push(l.ms);
  }
  return buckets.map((b, t) => {
    const lat = b.lat.sort((x, y) => x - y);
    return { t, ok: b.ok, errors: b.errors, p50Ms: percentile(lat, 0.5), p99Ms: percentile(lat, 0.99), p999Ms: percentile(lat, 0.999), liveEvents: b.live };
  });
}

export function recoveries(points: readonly SecondPoint[], faults: readonly FaultRecord[], start: number): Recovery[] {
  return faults.map((f) => {
    const atS = Math.floor((f.at - start) / 1000);
    const before = points.slice(Math.max(0, atS - 10), atS);
    const level = before.reduce((n, p) => n + p.ok, 0) / Math.max(1, before.length);
    for (let s = atS; s + 1 < points.length; s++) {
      const a = points[s] as SecondPoint;
      const b = points[s + 1] as SecondPoint;
      const good = (p: SecondPoint): boolean => p.ok >= level * 0.5 && p.errors <= Math.max(1, 0.1 * (p.ok + p.errors));
      // Recovered when two seconds in a row are good, after the first bad one.
      if (good(a) && good(b) && s > atS) {
        const firstBad = points.slice(atS, s).some((p) => !good(p));
        return { fault: f.label, atS, recoverMs: firstBad ? Math.max(0, s * 1000 + start - f.at) : 0 };
      }
    }
    return { fault: f.label, atS, recoverMs: -1 };
  });
}
