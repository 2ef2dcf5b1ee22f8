import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { TokenBuckets } from './token-buckets.ts';

test('a burst is allowed, then refused with the seconds until the next token', async () => {
  const clock = new ManualClock();
  const b = new TokenBuckets(clock, { perSecond: 0.5, burst: 3 }, 100);
  for (let i = 0; i < 3; i++) assert.deepEqual(b.take('a'), { ok: true });
  assert.deepEqual(b.take('a'), { ok: false, retryAfterSeconds: 2 });
  assert.deepEqual(b.take('b'), { ok: true }, 'keys have their own buckets');
  await clock.advance(2000);
  assert.deepEqual(b.take('a'), { ok: true });
  assert.equal(b.take('a').ok, false);
});

test('buckets never exceed maxBuckets, and idle (refilled) ones are dropped first', async () => {
  const clock = new ManualClock();
  const b = new TokenBuckets(clock, { perSecond: 10, burst: 5 }, 50);
  for (let i = 0; i < 1000; i++) b.take(`addr-${i}`);
  assert.equal(b.size, 50);
  await clock.advance(10_000); // every bucket is full again
  for (let i = 0; i < 10; i++) b.take(`new-${i}`);
  assert.ok(b.size <= 50 - 10, `idle buckets evicted as new ones came, size ${b.size}`);
});

test('a busy key keeps its bucket while others churn through the cap', () => {
  const clock = new ManualClock();
  const b = new TokenBuckets(clock, { perSecond: 1, burst: 2 }, 16);
  b.take('busy');
  b.take('busy');
  for (let i = 0; i < 100; i++) {
    b.take(`other-${i}`);
    assert.equal(
      b.take('busy').ok,
      false,
      'busy is recently used, so never evicted and never refilled for free',
    );
  }
});

test('at the cap the least recently used bucket goes, not the oldest created', () => {
  const clock = new ManualClock();
  const b = new TokenBuckets(clock, { perSecond: 0.001, burst: 1 }, 3);
  for (const k of ['a', 'b', 'c']) assert.equal(b.take(k).ok, true);
  assert.equal(b.take('a').ok, false, 'a is empty, and now the most recently used');
  assert.equal(b.take('d').ok, true);
  assert.equal(b.size, 3);
  assert.equal(b.take('a').ok, false, 'a kept its empty bucket');
  assert.equal(b.take('b').ok, true, 'b, least recently used, was dropped: a fresh bucket');
  assert.equal(b.take('a').ok, false, 'and a is still kept');
});
