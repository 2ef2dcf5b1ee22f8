import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { ReportQueue } from './report-queue.ts';

const bytes = (n: number): Uint8Array => Uint8Array.of(n);

test('reports refused while the stream is out of reach are sent later, in the order they happened', async () => {
  const clock = new ManualClock();
  const stored: number[] = [];
  let down = true;
  const q = new ReportQueue({
    clock,
    log: silentLogger,
    publish: async (d) => {
      if (down) throw new Error('no connection');
      stored.push(d[0] ?? -1);
    },
  });
  for (let i = 1; i <= 5; i++) q.push(bytes(i));
  await clock.advance(3000);
  assert.deepEqual(stored, [], 'nothing stored while down');
  assert.equal(q.pending, 5);
  down = false;
  q.push(bytes(6));
  await clock.advance(6000);
  assert.deepEqual(stored, [1, 2, 3, 4, 5, 6]);
  assert.equal(q.pending, 0);
  await q.close();
});

test('past its capacity the queue drops the oldest report and counts it', async () => {
  const clock = new ManualClock();
  const stored: number[] = [];
  let down = true;
  const q = new ReportQueue({ clock, log: silentLogger, capacity: 3, publish: async (d) => (down ? Promise.reject(new Error('down')) : stored.push(d[0] ?? -1)) });
  for (let i = 1; i <= 5; i++) q.push(bytes(i));
  assert.equal(q.dropped, 2);
  down = false;
  await clock.advance(6000);
  assert.deepEqual(stored, [3, 4, 5]);
  await q.close();
});

test('close stops retrying at once, even in the middle of a wait', async () => {
  const clock = new ManualClock();
  let attempts = 0;
  const q = new ReportQueue({ clock, log: silentLogger, publish: async () => Promise.reject(new Error(`down ${++attempts}`)) });
  q.push(bytes(1));
  await clock.advance(100);
  await q.close(); // would hang on the ManualClock if the wait were not cut short
  const before = attempts;
  await clock.advance(60_000);
  assert.equal(attempts, before, 'retried after close');
});

test('a report pushed while the sender is finishing its round is sent, not stranded', async () => {
  // A second report pushed k microtask steps after the first: one of these steps falls between
  // the sender's last publish and its forgetting that it runs.
  for (let k = 0; k <= 12; k++) {
    const clock = new ManualClock();
    const stored: number[] = [];
    const q = new ReportQueue({ clock, log: silentLogger, publish: async (d) => void stored.push(d[0] ?? -1) });
    q.push(bytes(1));
    for (let i = 0; i < k; i++) await Promise.resolve();
    q.push(bytes(2));
    await clock.advance(10);
    assert.deepEqual(stored, [1, 2], `second report pushed ${k} steps after the first`);
    await q.close();
  }
});
