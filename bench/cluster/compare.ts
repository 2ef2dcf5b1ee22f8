/**
 * `npm run bench -- cluster compare A.json B.json`: the figures of two reports side by side,
 * flagging regressions of B against A: throughput down, latency or errors or recovery time up
 * by more than the tolerance, or a check that passed in A and misses in B. Exits 1 on any.
 */
import { readFileSync } from 'node:fs';

interface ReportFile {
  readonly date?: string;
  readonly figures: ReadonlyArray<{ name: string; value: number; unit: string }>;
  readonly checks: ReadonlyArray<{ name: string; pass: boolean }>;
}

/** Higher is better for rates; lower is better for latency, errors, recovery, memory. */
function better(name: string, unit: string): 'higher' | 'lower' | undefined {
  if (unit === 'ops/s') return 'higher';
  if (unit === 'ms' || unit === 'MiB' || unit === 'cores') return 'lower';
  if (name.startsWith('errors') || name.endsWith(': lost') || name.endsWith(': duplicated') || name.includes('refused')) return 'lower';
  return undefined;
}

export interface Comparison {
  readonly lines: string[];
  readonly regressions: string[];
}

export function compareReports(a: ReportFile, b: ReportFile, tolerance = 0.2): Comparison {
  const lines: string[] = [];
  const regressions: string[] = [];
  const before = new Map(a.figures.map((f) => [f.name, f]));
  for (const f of b.figures) {
    const old = before.get(f.name);
    if (old === undefined) continue;
    const dir = better(f.name, f.unit);
    const change = old.value === 0 ? (f.value === 0 ? 0 : Infinity) : (f.value - old.value) / Math.abs(old.value);
    // Small absolute latencies and counts move by noise: ignore changes under 5 ms or 5 ops.
    const small = Math.abs(f.value - old.value) < 5;
    const worse = dir !== undefined && !small && (dir === 'higher' ? change < -tolerance : change > tolerance);
    const mark = worse ? 'REGRESSION' : '';
    lines.push(`${f.name.padEnd(58)} ${old.value.toFixed(1).padStart(10)} ${f.value.toFixed(1).padStart(10)} ${f.unit.padEnd(6)} ${(Number.isFinite(change) ? `${(change * 100).toFixed(0)}%` : 'new').padStart(6)} ${mark}`);
    if (worse) regressions.push(`${f.name}: ${old.value.toFixed(1)} -> ${f.value.toFixed(1)} ${f.unit}`);
  }
  const passedBefore = new Set(a.checks.filter((c) => c.pass).map((c) => c.name));
  for (const c of b.checks) if (!c.pass && passedBefore.has(c.name)) regressions.push(`check ${c.name} passed before and misses now`);
  return { lines, regressions };
}

export function compareFiles(fileA: string, fileB: string): number {
  const a = JSON.parse(readFileSync(fileA, 'utf8')) as ReportFile;
  const b = JSON.parse(readFileSync(fileB, 'utf8')) as ReportFile;
  const { lines, regressions } = compareReports(a, b);
  console.log(`${'figure'.padEnd(58)} ${'A'.padStart(10)} ${'B'.padStart(10)}`);
  for (const l of lines) console.log(l);
  console.log(regressions.length === 0 ? '\nno regressions' : `\n${regressions.length} regressions:\n  ${regressions.join('\n  ')}`);
  return regressions.length === 0 ? 0 : 1;
}
