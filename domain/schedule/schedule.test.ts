import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRavelError } from '../../core/errors.ts';
import { expirationTime, isExpired } from './expiration.ts';
import { nextFireTime, validateSchedule } from './task-schedule.ts';

const now = Date.UTC(2025, 5, 2, 10, 30); // a Monday

test('expiration: seconds from now in ms; -1 is never; out of range refused', () => {
  assert.equal(expirationTime(now, 3600), now + 3_600_000);
  assert.equal(expirationTime(now, -1), undefined);
  assert.throws(() => expirationTime(now, -5), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
  assert.throws(() => expirationTime(now, 1.5), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
  assert.ok(isExpired(now, now));
  assert.ok(!isExpired(now + 1, now));
  assert.ok(!isExpired(undefined, now));
});

test('cron: the next weekday 09:00 UTC, bounded by start and end', () => {
  const info = { cronExpression: '0 9 * * 1-5' };
  assert.equal(nextFireTime(info, now), Date.UTC(2025, 5, 3, 9));
  const start = Date.UTC(2025, 5, 7); // a Saturday: next is Monday the 9th
  assert.equal(nextFireTime({ ...info, start }, now), Date.UTC(2025, 5, 9, 9));
  assert.equal(nextFireTime({ ...info, end: Date.UTC(2025, 5, 3, 8) }, now), undefined);
  assert.equal(nextFireTime({ cronExpression: '0 0 9 ? * MON-FRI' }, now), Date.UTC(2025, 5, 3, 9), 'Quartz style with seconds and ?');
});

test('a firing exactly at start counts', () => {
  const start = Date.UTC(2025, 5, 3, 9);
  assert.equal(nextFireTime({ cronExpression: '0 9 * * *', start }, now), start);
});

test('one-shot tasks fire once at start', () => {
  assert.equal(nextFireTime({ start: now + 1000 }, now), now + 1000);
  assert.equal(nextFireTime({ start: now + 1000 }, now + 1000), undefined);
});

test('bad schedules are refused with INVALID_ARGUMENT', () => {
  const bad = (info: Parameters<typeof validateSchedule>[0]) => assert.throws(() => validateSchedule(info, now), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
  bad({ cronExpression: 'every day' });
  bad({ cronExpression: '61 * * * *' });
  bad({});
  bad({ start: now + 10, end: now });
  bad({ start: now - 10 });
  validateSchedule({ cronExpression: '*/15 * * * *', start: now, end: now + 86_400_000 }, now);
});

test('property: the next fire time is after `after`, within [start, end], and on the cron grid', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 365 * 86_400_000 }), fc.integer({ min: 0, max: 30 * 86_400_000 }), fc.integer({ min: 0, max: 30 * 86_400_000 }), (dAfter, dStart, len) => {
      const after = now + dAfter;
      const start = now + dStart;
      const end = start + len;
      const t = nextFireTime({ cronExpression: '*/10 * * * *', start, end }, after);
      if (t === undefined) return;
      assert.ok(t > after && t >= start && t <= end);
      assert.equal(t % 600_000, 0);
    }),
    { numRuns: 200 },
  );
});
