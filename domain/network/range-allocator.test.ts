import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRavelError } from '../../core/errors.ts';
import { freeCount, isTaken, newPool, release, take, takeNext, type RangePool } from './range-allocator.ts';

test('takes the lowest free value, skipping reserved ones, until empty', () => {
  let pool = newPool(10, 14, [11]);
  const got: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = takeNext(pool);
    pool = r.pool;
    got.push(r.value);
  }
  assert.deepEqual(got, [10, 12, 13, 14]);
  assert.throws(() => takeNext(pool), (e: unknown) => isRavelError(e, 'QUOTA_EXCEEDED'));
});

test('taking a taken value is a CONFLICT and out of range is INVALID_ARGUMENT; neither changes the pool', () => {
  const pool = take(newPool(0, 9), 3);
  assert.throws(() => take(pool, 3), (e: unknown) => isRavelError(e, 'CONFLICT'));
  assert.throws(() => take(pool, 10), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
  assert.deepEqual(pool.used, [3]);
});

test('release gives a value back and is idempotent', () => {
  const pool = take(newPool(0, 9), 3);
  assert.deepEqual(release(release(pool, 3), 3).used, []);
});

type Op = { op: 'next'; from: number } | { op: 'take'; v: number } | { op: 'release'; pick: number };
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('next' as const), from: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('take' as const), v: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('release' as const), pick: fc.nat() }),
);

test('property: no value is ever handed out twice while held, and the used list stays sorted and in range', () => {
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 200 }), (ops) => {
      let pool: RangePool = newPool(5, 35);
      const held = new Set<number>();
      for (const o of ops) {
        try {
          if (o.op === 'next') {
            const r = takeNext(pool, o.from);
            assert.ok(!held.has(r.value), `handed out ${r.value} twice`);
            held.add(r.value);
            pool = r.pool;
          } else if (o.op === 'take') {
            pool = take(pool, o.v);
            assert.ok(!held.has(o.v));
            held.add(o.v);
          } else {
            const vs = [...held];
            const v = vs[o.pick % Math.max(1, vs.length)];
            if (v !== undefined) {
              pool = release(pool, v);
              held.delete(v);
            }
          }
        } catch (e) {
          assert.ok(isRavelError(e, 'CONFLICT') || isRavelError(e, 'INVALID_ARGUMENT') || isRavelError(e, 'QUOTA_EXCEEDED'));
        }
        assert.deepEqual([...pool.used], [...held].sort((a, b) => a - b));
        assert.equal(freeCount(pool), 31 - held.size);
        for (const v of held) assert.ok(isTaken(pool, v));
      }
    }),
  );
});
