/**
 * The control-plane bench's report: the topologies' figures as rows with one column per
 * topology (printed as a table, and written as figures named `NAME [TOPOLOGY]`, next to each
 * other), and the checks of the issue's targets for each topology.
 */
import type { BenchReport, Check } from '../lib/report.ts';
import { quantile, type TopologyResult } from './topology-result.ts';

export interface Row {
  readonly name: string;
  readonly unit: string;
  /** One per topology, in the order given; undefined where a topology has no such figure. */
  readonly values: ReadonlyArray<number | undefined>;
  /** The row, of the same topology, this one is set beside. */
  readonly baseline?: string;
}

/** The bound on the service's own overhead (start to all STARTED minus boot): the issue names none; these hold it on the shared 2-core machine. */
export const OVERHEAD_P50_BOUND_MS = 10_000;
export const OVERHEAD_P99_BOUND_MS = 30_000;

const started = (r: TopologyResult): number => r.tally.overheadMs.length;

export function rows(results: readonly TopologyResult[]): Row[] {
  const each = (f: (r: TopologyResult) => number | undefined): Array<number | undefined> => results.map(f);
  const out: Row[] = [
    { name: 'applications of 3 VMs in the run', unit: 'apps', values: each((r) => r.workload.applications) },
    { name: 'applications started per second', unit: 'apps/s', values: each((r) => started(r) / r.seconds) },
    { name: 'VMs started per second', unit: 'VMs/s', values: each((r) => (3 * started(r)) / r.seconds) },
    { name: 'start to all STARTED minus boot, p50', unit: 'ms', values: each((r) => quantile(r.tally.overheadMs, 0.5)), baseline: 'baseline ask p50' },
    { name: 'start to all STARTED minus boot, p99', unit: 'ms', values: each((r) => quantile(r.tally.overheadMs, 0.99)), baseline: 'baseline ask p99' },
    { name: 'publish call (placement, answered), p50', unit: 'ms', values: each((r) => quantile(r.tally.publishMs, 0.5)) },
    { name: 'publish call (placement, answered), p99', unit: 'ms', values: each((r) => quantile(r.tally.publishMs, 0.99)) },
    { name: 'baseline ask p50', unit: 'ms', values: each((r) => r.baseline.p50Ms) },
    { name: 'baseline ask p99', unit: 'ms', values: each((r) => r.baseline.p99Ms) },
    { name: 'baseline asks per second', unit: 'asks/s', values: each((r) => r.baseline.perSec) },
  ];
  // Further baselines and extras, by name, in the order first met.
  const named = new Map<string, { unit: string; values: Array<number | undefined> }>();
  results.forEach((r, i) => {
    const put = (name: string, unit: string, value: number): void => {
      const row = named.get(name) ?? { unit, values: results.map(() => undefined) };
      row.values[i] = value;
      named.set(name, row);
    };
    for (const b of r.extraBaselines) {
      put(`${b.label} p50`, 'ms', b.p50Ms);
      put(`${b.label} p99`, 'ms', b.p99Ms);
      put(`${b.label} per second`, 'reads/s', b.perSec);
    }
    put('applications failed', 'apps', r.tally.failed);
    put('calls retried (same request id) after a timeout', 'calls', r.tally.retries);
    put('hosts with VMs', 'hosts', new Set(r.tally.hostIds).size);
    put(r.hosts.what, 'hosts', r.hosts.count);
    for (const x of r.extras) put(x.name, x.unit, x.value);
    put('wall time of the workload', 's', r.seconds);
  });
  for (const [name, row] of named) out.push({ name, unit: row.unit, values: row.values });
  return out;
}

const cell = (v: number | undefined): string => (v === undefined ? '-' : !Number.isFinite(v) ? String(v) : Math.abs(v) >= 100 || Number.isInteger(v) ? Math.round(v).toLocaleString('en') : v.toPrecision(4));

/** The rows as text lines: a name column, one column per topology, the unit. */
export function table(labels: readonly string[], rs: readonly Row[]): string[] {
  const width = Math.max(...rs.map((r) => r.name.length), 10);
  const col = Math.max(14, ...labels.map((l) => l.length));
  const line = (name: string, cells: readonly string[], unit: string): string => `  ${name.padEnd(width)} ${cells.map((c) => c.padStart(col)).join(' ')}  ${unit}`.trimEnd();
  return [line('', labels, ''), ...rs.map((r) => line(r.name, r.values.map(cell), r.unit))];
}

function bounded(name: string, value: number, unit: string, bound: number, baseline: number): Check {
  return { name, value, unit, target: `<= ${bound}`, pass: value <= bound, baseline, ratio: baseline === 0 ? 0 : value / baseline };
}

/**
 * The targets for one topology: the whole workload started, on hosts of the region and
 * packed, the baseline answered, and the overhead (with the ask baseline and the ratio to it).
 * `hostsBound` is how many hosts the region has for the run.
 */
export function checks(r: TopologyResult, hostsBound: number): Check[] {
  const w = r.workload;
  const tag = (s: string): string => `${r.label}: ${s}`;
  const hosts = r.hosts.count;
  const packed = Math.ceil((w.applications * 3 * 2) / 64) + 2;
  const p50 = quantile(r.tally.overheadMs, 0.5);
  const p99 = quantile(r.tally.overheadMs, 0.99);
  return [
    { name: tag('every application reached STARTED'), value: started(r), unit: 'apps', target: `>= ${w.applications}`, pass: started(r) >= w.applications },
    { name: tag('baseline reads refused'), value: r.baseline.refused, unit: 'reads', target: '<= 0', pass: r.baseline.refused <= 0 },
    { name: tag(`${r.hosts.what} within the region`), value: hosts, unit: 'hosts', target: `<= ${hostsBound}`, pass: hosts <= hostsBound },
    { name: tag(`${r.hosts.what}, packed (3 VMs of 2 CPUs, 64-CPU hosts)`), value: hosts, unit: 'hosts', target: `<= ${packed}`, pass: hosts <= packed },
    // NaN (nothing started) fails the bound.
    bounded(tag('start to all STARTED minus boot, p50, vs baseline ask p50'), p50, 'ms', OVERHEAD_P50_BOUND_MS, r.baseline.p50Ms),
    bounded(tag('start to all STARTED minus boot, p99, vs baseline ask p99'), p99, 'ms', OVERHEAD_P99_BOUND_MS, r.baseline.p99Ms),
  ];
}

/** Puts every topology's figures and checks into `report`, printing the table and the checks. */
export function addToReport(report: BenchReport, results: readonly TopologyResult[], hostsBound: (r: TopologyResult) => number): void {
  const labels = results.map((r) => r.label);
  const rs = rows(results);
  console.log('');
  for (const l of table(labels, rs)) console.log(l);
  for (const r of results) console.log(`  baseline ask, ${r.label}: ${r.baseline.label}`);
  for (const row of rs) {
    row.values.forEach((value, i) => {
      if (value === undefined) return;
      const at = ` [${labels[i] ?? ''}]`;
      report.figures.push({ name: row.name + at, value, unit: row.unit, ...(row.baseline === undefined ? {} : { baseline: row.baseline + at }) });
    });
  }
  console.log('');
  for (const r of results) {
    for (const c of checks(r, hostsBound(r))) {
      report.checks.push(c);
      const ratio = c.ratio === undefined ? '' : ` (baseline ${c.baseline?.toPrecision(4)}, ratio ${c.ratio.toPrecision(4)})`;
      console.log(`  [${c.pass ? 'pass' : 'MISS'}] ${c.name}: ${c.value.toPrecision(4)} ${c.unit}, target ${c.target}${ratio}`);
    }
  }
}
