/**
 * Hands out integers from [lo, hi] (IP addresses, ports, MAC suffixes) so that none is out
 * twice. Plain data, so it lives in actor state: the taken values, sorted. Every operation
 * returns a new state and leaves the old one as it was.
 */
import { RavelError } from '../../core/errors.ts';

export interface RangePool {
  readonly lo: number;
  readonly hi: number;
  /** Taken values, ascending, each within [lo, hi]. */
  readonly used: readonly number[];
}

export function newPool(lo: number, hi: number, reserved: readonly number[] = []): RangePool {
  if (!(Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && lo <= hi)) throw new RavelError('INVALID_ARGUMENT', `bad range [${lo}, ${hi}]`);
  const used = [...new Set(reserved.filter((v) => v >= lo && v <= hi))].sort((a, b) => a - b);
  return { lo, hi, used };
}

/** Index of the first used value ≥ v (binary search). */
function lowerBound(used: readonly number[], v: number): number {
  let a = 0;
  let b = used.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if ((used[m] ?? Infinity) < v) a = m + 1;
    else b = m;
  }
  return a;
}

export function isTaken(pool: RangePool, v: number): boolean {
  return pool.used[lowerBound(pool.used, v)] === v;
}

export function freeCount(pool: RangePool): number {
  return pool.hi - pool.lo + 1 - pool.used.length;
}

/** Takes exactly `v`: CONFLICT when it is taken, INVALID_ARGUMENT when outside the range. */
export function take(pool: RangePool, v: number): RangePool {
  if (!Number.isSafeInteger(v) || v < pool.lo || v > pool.hi) throw new RavelError('INVALID_ARGUMENT', `${v} is outside [${pool.lo}, ${pool.hi}]`);
  const i = lowerBound(pool.used, v);
  if (pool.used[i] === v) throw new RavelError('CONFLICT', `${v} is already taken`, { details: { value: v } });
  const used = pool.used.slice(); // one copy: the old state stays as it was
  used.splice(i, 0, v);
  return { ...pool, used };
}

/**
 * Takes the lowest free value at or after `from` (wrapping to `lo`), or QUOTA_EXCEEDED when
 * the pool is empty. Starting past the last handed-out value spreads reuse of released ones.
 */
export function takeNext(pool: RangePool, from: number = pool.lo): { pool: RangePool; value: number } {
  if (freeCount(pool) <= 0) throw new RavelError('QUOTA_EXCEEDED', `no free value left in [${pool.lo}, ${pool.hi}]`);
  const start = Math.min(Math.max(from, pool.lo), pool.hi);
  const v = firstGap(pool, start, pool.hi) ?? firstGap(pool, pool.lo, start - 1);
  if (v === undefined) throw new RavelError('INTERNAL', 'free count and used values disagree');
  return { pool: take(pool, v), value: v };
}

/** The first value in [a, b] not taken: walks the used run from a. */
function firstGap(pool: RangePool, a: number, b: number): number | undefined {
  let v = a;
  for (let i = lowerBound(pool.used, a); v <= b; i++, v++) {
    if (pool.used[i] !== v) return v;
  }
  return undefined;
}

/** Gives `v` back; releasing a value not taken is a no-op, so a retried release is harmless. */
export function release(pool: RangePool, v: number): RangePool {
  const i = lowerBound(pool.used, v);
  if (pool.used[i] !== v) return pool;
  return { ...pool, used: [...pool.used.slice(0, i), ...pool.used.slice(i + 1)] };
}
