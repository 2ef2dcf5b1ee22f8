/**
 * The soak run's memory rule (bench/cluster/memory-growth.ts) on made-up RSS series: a steady
 * leak is flagged; a garbage-collected sawtooth, a step up that then stays flat, and a slow
 * drift under the slope bound are not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryGrowth } from '../../bench/cluster/memory-growth.ts';
import type { ProcSample } from '../../bench/cluster/proc-stats.ts';

const MiB = 2 ** 20;
/** One sample a second for `minutes`, RSS in MiB given by `f(second)`. */
const series = (minutes: number, f: (s: number) => number): ProcSample[] =>
  Array.from({ length: minutes * 60 }, (_, s) => ({ at: 1_000_000 + s * 1000, rssBytes: f(s) * MiB, cpuS: s / 10 }));
const sawtooth = (s: number): number => 300 + (s % 37) * 2; // GC every 37 s, 74 MiB swing

test('a process that keeps climbing is flagged, with its slope', () => {
  const g = memoryGrowth('leaky', series(10, (s) => sawtooth(s) + s * 0.1)); // 6 MiB/min
  assert.equal(g.unbounded, true);
  assert.ok(g.slopeMbPerMin > 5 && g.slopeMbPerMin < 7, `slope ${g.slopeMbPerMin}`);
  assert.equal(g.windowMediansMb.length, 4);
});

test('a sawtooth, a step that stays flat, and a drift under the bound are not flagged', () => {
  assert.equal(memoryGrowth('gc', series(10, sawtooth)).unbounded, false);
  // Up by 100 MiB a third of the way in, flat after: the windows after the step do not climb.
  assert.equal(memoryGrowth('step', series(10, (s) => 300 + (s > 200 ? 100 : 0) + (s % 5))).unbounded, false);
  assert.equal(memoryGrowth('drift', series(10, (s) => 300 + s / 60)).unbounded, false, '1 MiB/min is under the 2 MiB/min bound');
});

test('too few samples say nothing', () => {
  const g = memoryGrowth('short', series(0, sawtooth).concat(series(1, sawtooth).slice(0, 6)));
  assert.deepEqual([g.unbounded, g.windowMediansMb], [false, []]);
});
