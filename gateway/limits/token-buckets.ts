/**
 * Rate limits as token buckets on the passed clock, one per key (a principal, a client
 * address). Memory is bounded: buckets that have refilled completely are dropped as new ones
 * arrive (a full bucket is the same as no bucket), and past `maxBuckets` the least recently
 * used goes regardless. The map is kept in least-recently-used order lazily ("second
 * chance"): a take only marks its bucket used, and the eviction, when it meets a used bucket at
 * the old end, moves it to the young end instead. A take on a known key is then one lookup,
 * not a delete and an insert (two of them on every REST request).
 */
import type { Clock } from '../../core/clock.ts';

export interface BucketRule {
  readonly perSecond: number;
  readonly burst: number;
}

export type TakeResult =
  { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
  /** Taken from since it was last put at the young end of the map. */
  used: boolean;
}

const OK: TakeResult = { ok: true };

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly rule: BucketRule,
    private readonly maxBuckets: number,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `key`; when none is left, says how long until one is. */
  take(key: string): TakeResult {
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      this.evict(now);
      b = { tokens: this.rule.burst, at: now, used: false };
      this.buckets.set(key, b);
    } else {
      this.refill(b, now);
      b.used = true;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return OK;
    }
    const seconds = (1 - b.tokens) / this.rule.perSecond;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  }

  private refill(b: Bucket, now: number): void {
    const elapsed = Math.max(0, now - b.at) / 1000;
    b.tokens = Math.min(this.rule.burst, b.tokens + elapsed * this.rule.perSecond);
    b.at = now;
  }

  /**
   * Drops up to two idle (refilled) buckets from the old end, and the least recently used when
   * at the cap. Used buckets met at the old end go to the young end first, unmarked (each move
   * spends one mark, so the moves are paid for by the takes that set the marks).
   */
  private evict(now: number): void {
    let looked = 0;
    for (const [key, b] of this.buckets) {
      if (b.used) {
        this.moveToYoungEnd(key, b);
        continue;
      }
      if (looked++ >= 2) break;
      this.refill(b, now);
      if (b.tokens >= this.rule.burst) this.buckets.delete(key);
    }
    if (this.buckets.size < this.maxBuckets) return;
    for (const [key, b] of this.buckets) {
      if (b.used) {
        this.moveToYoungEnd(key, b);
        continue;
      }
      this.buckets.delete(key);
      return;
    }
  }

  private moveToYoungEnd(key: string, b: Bucket): void {
    b.used = false;
    this.buckets.delete(key);
    this.buckets.set(key, b);
  }
}
