/**
 * Rate limits as token buckets on the passed clock, one per key (a principal, a client
 * address). Memory is bounded: the map is kept in least-recently-used order, buckets that
 * have refilled completely are dropped as new ones arrive (a full bucket is the same as no
 * bucket), and past `maxBuckets` the least recently used goes regardless.
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
      b = { tokens: this.rule.burst, at: now };
    } else {
      this.buckets.delete(key); // re-inserted below: Map order is the LRU order
      this.refill(b, now);
    }
    this.buckets.set(key, b);
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

  /** Drops up to two idle (refilled) buckets from the old end, and the oldest when at the cap. */
  private evict(now: number): void {
    let looked = 0;
    for (const [key, b] of this.buckets) {
      if (looked++ >= 2) break;
      this.refill(b, now);
      if (b.tokens >= this.rule.burst) this.buckets.delete(key);
    }
    if (this.buckets.size >= this.maxBuckets) {
      const oldest = this.buckets.keys().next();
      if (oldest.done !== true) this.buckets.delete(oldest.value);
    }
  }
}
