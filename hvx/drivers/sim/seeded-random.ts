/**
 * A small seeded PRNG (mulberry32): the same seed gives the same jitter, so a simulated fleet
 * behaves the same way on every run.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** `base` moved by up to `spread` either way, never below 0, whole milliseconds. */
  around(base: number, spread: number): number {
    if (spread <= 0) return base;
    return Math.max(0, Math.round(base + (this.next() * 2 - 1) * spread));
  }
}
