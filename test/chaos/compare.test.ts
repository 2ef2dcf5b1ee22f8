/** `npm run bench -- cluster compare`: what counts as a regression between two reports. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReports } from '../../bench/cluster/compare.ts';

const report = (ops: number, p99: number, pass: boolean): Parameters<typeof compareReports>[0] => ({
  figures: [
    { name: 'all operations acknowledged per second', value: ops, unit: 'ops/s' },
    { name: 'list: p99 latency', value: p99, unit: 'ms' },
    { name: 'cluster start-up', value: 50_000, unit: 'ms' },
  ],
  checks: [{ name: 'acknowledged operations lost', pass }],
});

test('throughput down, latency up past the tolerance, or a check newly missed are regressions; noise is not', () => {
  assert.deepEqual(compareReports(report(100, 200, true), report(95, 230, true)).regressions, [], 'within 20%');
  assert.deepEqual(compareReports(report(100, 2, true), report(100, 4, true)).regressions, [], 'a few ms is noise');
  const r = compareReports(report(100, 200, true), report(60, 500, false)).regressions;
  assert.equal(r.length, 3);
  assert.match(r[0] ?? '', /acknowledged per second: 100\.0 -> 60\.0/);
  assert.match(r[1] ?? '', /p99 latency: 200\.0 -> 500\.0/);
  assert.match(r[2] ?? '', /check acknowledged operations lost passed before and misses now/);
  assert.deepEqual(compareReports(report(60, 500, false), report(100, 200, true)).regressions, [], 'improvements are not regressions');
});
