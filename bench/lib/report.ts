/**
 * What every benchmark writes: its figures, its baselines from the same run, and the checks
 * of the targets its issue names, printed for a person and written as JSON for a script.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The baseline figure of the same run this one is set beside, by name. */
  baseline?: string;
}

export interface Check {
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. ">= 0.8" or "< 2048". */
  target: string;
  pass: boolean;
  baseline?: number;
  ratio?: number;
}

export class BenchReport {
  readonly figures: Figure[] = [];
  readonly checks: Check[] = [];
  private readonly started = Date.now();

  constructor(
    readonly name: string,
    readonly options: Readonly<Record<string, unknown>>,
  ) {}

  figure(name: string, value: number, unit: string, baseline?: string): number {
    this.figures.push(baseline === undefined ? { name, value, unit } : { name, value, unit, baseline });
    const rounded = value >= 100 ? Math.round(value).toLocaleString('en') : value.toPrecision(4);
    console.log(`  ${name.padEnd(52)} ${rounded.padStart(14)} ${unit}`);
    return value;
  }

  /** A target on an absolute figure: value compared with a bound. */
  atMost(name: string, value: number, unit: string, bound: number): void {
    this.push({ name, value, unit, target: `<= ${bound}`, pass: value <= bound });
  }

  atLeast(name: string, value: number, unit: string, bound: number): void {
    this.push({ name, value, unit, target: `>= ${bound}`, pass: value >= bound });
  }

  /** A target on a ratio to a baseline of the same run: value / baseline >= minRatio. */
  ratioAtLeast(name: string, value: number, baseline: number, unit: string, minRatio: number): void {
    const ratio = baseline === 0 ? 0 : value / baseline;
    this.push({ name, value, unit, target: `ratio >= ${minRatio}`, pass: ratio >= minRatio, baseline, ratio });
  }

  private push(check: Check): void {
    this.checks.push(check);
    const r = check.ratio === undefined ? '' : ` (ratio ${check.ratio.toFixed(3)})`;
    console.log(`  [${check.pass ? 'pass' : 'MISS'}] ${check.name}: ${check.value.toPrecision(4)} ${check.unit}, target ${check.target}${r}`);
  }

  write(dir = join(import.meta.dirname, '..', 'results')): string {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${this.name}.json`);
    const body = {
      name: this.name,
      date: new Date().toISOString(),
      durationMs: Date.now() - this.started,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem(), node: process.version },
      options: this.options,
      figures: this.figures,
      checks: this.checks,
    };
    writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
    const missed = this.checks.filter((c) => !c.pass).length;
    console.log(`\n${this.name}: ${this.checks.length - missed}/${this.checks.length} targets met; wrote ${file}`);
    return file;
  }
}

/** Runs `op` with `concurrency` in flight for `count` operations; answers ops per second. */
export async function throughput(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await op(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return count / seconds;
}

export function parseBenchArgs(argv: readonly string[]): { quick: boolean; rest: string[] } {
  return { quick: argv.includes('--quick'), rest: argv.filter((a) => a !== '--quick') };
}
