/**
 * The soak run's memory rule (bench/cluster/memory-growth.ts) on made-up series: a steady leak
 * of anonymous memory is flagged; a garbage-collected sawtooth, a step up that then stays flat,
 * a slow drift under the slope bound, and file-backed pages that keep climbing (the storage
 * node's LMDB map) with the anonymous part flat are not; a node that reports its JS heap is
 * judged on it, not on what the allocator keeps. And the sampler on one real process: its RSS
 * split into anonymous and file-backed pages, and the heap it reports. And a warm-up long enough
 * for activations to passivate leaves their filling out but not a leak after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultGrowthRule, jvmCeilingMb, memoryGrowth } from '../../bench/cluster/memory-growth.ts';
import { sampleProc, summarize, type ProcSample } from '../../bench/cluster/proc-stats.ts';
import { readHeapReport, startHeapReports } from '../../bench/cluster/heap-report.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

const MiB = 2 ** 20;
/**
 * One sample a second for `minutes`: anonymous RSS in MiB given by `anon(second)`, file-backed
 * by `file(second)` (a flat 50 MiB of binary and libraries unless given).
 */
const series = (minutes: number, anon: (s: number) => number, file: (s: number) => number = () => 50): ProcSample[] =>
  Array.from({ length: minutes * 60 }, (_, s) => ({
    at: 1_000_000 + s * 1000,
    rssBytes: (anon(s) + file(s)) * MiB,
    anonBytes: anon(s) * MiB,
    fileBytes: file(s) * MiB,
    cpuS: s / 10,
  }));
const sawtooth = (s: number): number => 300 + (s % 37) * 2; // GC every 37 s, 74 MiB swing

test('a process whose anonymous memory keeps climbing is flagged, with its slope', () => {
  const g = memoryGrowth('leaky', series(10, (s) => sawtooth(s) + s * 0.1)); // 6 MiB/min
  assert.equal(g.unbounded, true);
  assert.ok(g.slopeMbPerMin > 5 && g.slopeMbPerMin < 7, `slope ${g.slopeMbPerMin}`);
  assert.ok(Math.abs(g.fileSlopeMbPerMin) < 0.01, `file slope ${g.fileSlopeMbPerMin}`);
  assert.equal(g.windowMediansMb.length, 4);
});

test('a sawtooth, a step that stays flat, and a drift under the bound are not flagged', () => {
  assert.equal(memoryGrowth('gc', series(10, sawtooth)).unbounded, false);
  // Up by 100 MiB a third of the way in, flat after: the windows after the step do not climb.
  assert.equal(memoryGrowth('step', series(10, (s) => 300 + (s > 200 ? 100 : 0) + (s % 5))).unbounded, false);
  assert.equal(memoryGrowth('drift', series(10, (s) => 300 + s / 60)).unbounded, false, '1 MiB/min is under the 2 MiB/min bound');
});

test('file-backed pages that climb (an LMDB map being read) are reported, not judged', () => {
  // What the storage node showed: a flat, sawing heap and 12 MiB/min more of the store mapped in.
  const g = memoryGrowth('storage', series(10, sawtooth, (s) => 50 + s * 0.2));
  assert.equal(g.unbounded, false);
  assert.ok(g.fileSlopeMbPerMin > 11 && g.fileSlopeMbPerMin < 13, `file slope ${g.fileSlopeMbPerMin}`);
  assert.ok(g.rssSlopeMbPerMin > 11, `the whole RSS climbs: ${g.rssSlopeMbPerMin}`);
  assert.ok(Math.abs(g.slopeMbPerMin) < 1, `anonymous slope ${g.slopeMbPerMin}`);
  // The same climb in anonymous memory is a leak.
  assert.equal(memoryGrowth('leaky', series(10, (s) => sawtooth(s) + s * 0.2)).unbounded, true);
});

test('a node that reports its heap is judged on it: allocator steps in RSS are not a leak, a growing heap is', () => {
  // What every node showed: anonymous RSS up in steps to each new peak of buffers, the heap flat.
  const steps = (s: number): number => 150 + 12 * Math.floor(s / 90);
  const withHeap = (xs: ProcSample[], heap: (s: number) => number): ProcSample[] => xs.map((x, s) => ({ ...x, heapBytes: heap(s) * MiB }));
  const flat = memoryGrowth('node', withHeap(series(10, steps), (s) => 60 + (s % 29)));
  assert.equal(flat.judged, 'heap');
  assert.equal(flat.unbounded, false);
  assert.ok(flat.anonSlopeMbPerMin > 7, `anonymous slope reported: ${flat.anonSlopeMbPerMin}`);
  assert.equal(memoryGrowth('rss only', series(10, steps)).unbounded, true, 'judged on anonymous RSS the steps would count');
  const leaking = memoryGrowth('node', withHeap(series(10, steps), (s) => 60 + (s % 29) + s * 0.05)); // 3 MiB/min
  assert.deepEqual([leaking.judged, leaking.unbounded], ['heap', true]);
});

test('the second-half growth of the report separates anonymous from file-backed pages', () => {
  const s = summarize(series(4, () => 200, (t) => 50 + t * 0.5));
  assert.ok(s.lateGrowthMb > 55, `whole RSS ${s.lateGrowthMb}`);
  assert.equal(s.lateAnonGrowthMb, 0);
});

test('too few samples say nothing', () => {
  const g = memoryGrowth('short', series(0, sawtooth).concat(series(1, sawtooth).slice(0, 6)));
  assert.deepEqual([g.unbounded, g.windowMediansMb], [false, []]);
});

test('a real process reads as anonymous plus file-backed pages, each non-zero', () => {
  const s = sampleProc(process.pid);
  assert.ok(s !== undefined);
  assert.ok(s.anonBytes > 10 * MiB, `anonymous ${s.anonBytes}`); // a Node heap at least
  assert.ok(s.fileBytes > 1 * MiB, `file-backed ${s.fileBytes}`); // the node binary at least
  // /proc/PID/stat and /status are read a moment apart: allow a little movement between them.
  assert.ok(Math.abs(s.anonBytes + s.fileBytes - s.rssBytes) < 8 * MiB, `${s.anonBytes} + ${s.fileBytes} vs ${s.rssBytes}`);
  assert.equal(sampleProc(2 ** 22 + 1), undefined, 'no such process');
});

test('a node\'s heap report reaches the sampler', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-heap-test-'));
  let stop = (): void => undefined;
  try {
    assert.equal(sampleProc(process.pid, dir)?.heapBytes, undefined, 'nothing reported yet');
    stop = startHeapReports(dir);
    await new Promise((r) => setTimeout(r, 1300));
    const heap = readHeapReport(dir, process.pid);
    assert.ok(heap !== undefined && heap > 1 * MiB, `heap ${heap}`);
    assert.ok((sampleProc(process.pid, dir)?.heapBytes ?? 0) > 1 * MiB);
    // Buffers kept across a full collection show in the next report.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 1300));
    gc();
    await settle();
    const before = readHeapReport(dir, process.pid) ?? 0;
    const kept = Array.from({ length: 8 }, () => Buffer.alloc(MiB, 1));
    gc();
    await settle();
    const after = readHeapReport(dir, process.pid) ?? 0;
    assert.ok(after - before >= 7 * MiB, `report went from ${before} to ${after} with ${kept.length} MiB kept`);
  } finally {
    stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a JVM is judged against its ceiling (-Xmx plus room outside the heap): filling its heap over a soak is not a leak, going past the ceiling is', () => {
  const filling = (s: number): number => 120 + Math.min(s, 400) * 0.2 + (s % 23); // climbs 80 MiB over 7 minutes, then flat
  const ceiling = jvmCeilingMb(192);
  const g = memoryGrowth('hazelcast 0', series(8, filling), defaultGrowthRule, ceiling);
  assert.equal(g.judged, 'ceiling');
  assert.equal(g.unbounded, false, `peak ${g.peakAnonMb} MiB under ${ceiling} MiB`);
  assert.equal(memoryGrowth('hazelcast 0', series(8, filling)).unbounded, true, 'the same series judged on its slope would count');
  const past = memoryGrowth('hazelcast 0', series(8, (s) => filling(s) + s * 0.5), defaultGrowthRule, ceiling);
  assert.equal(past.unbounded, true, `peak ${past.peakAnonMb} MiB over ${ceiling} MiB`);
});

test('a warm-up as long as passivation takes judges the steady state: activations filling is left out, a leak after it is not', () => {
  // What a node's heap does under the soak: activations pile up until the first ones passivate
  // (5 idle minutes), here 6 MiB/min, then as many leave as arrive.
  const withHeap = (heap: (s: number) => number): ProcSample[] => series(10, () => 200).map((x, s) => ({ ...x, heapBytes: heap(s) * MiB }));
  const filling = (s: number): number => 60 + (Math.min(s, 360) * 6) / 60 + (s % 29) / 10;
  const rule = { ...defaultGrowthRule, minWarmupMs: 360_000 };
  const early = memoryGrowth('node', withHeap(filling));
  assert.equal(early.judgedFromS, 150, 'a quarter of the run by default');
  assert.ok(early.slopeMbPerMin > 2, `the filling counts in the default's slope: ${early.slopeMbPerMin}`);
  const settled = memoryGrowth('node', withHeap(filling), rule);
  assert.equal(settled.judgedFromS, 360);
  assert.ok(Math.abs(settled.slopeMbPerMin) < 0.5, `flat once filled: ${settled.slopeMbPerMin}`);
  assert.equal(settled.unbounded, false);
  const leaking = memoryGrowth('node', withHeap((s) => filling(s) + (Math.max(0, s - 360) * 3) / 60), rule);
  assert.deepEqual([leaking.judgedFromS, leaking.unbounded], [360, true]);
  assert.ok(leaking.slopeMbPerMin > 2.5 && leaking.slopeMbPerMin < 3.5, `slope ${leaking.slopeMbPerMin}`);
});
