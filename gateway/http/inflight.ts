/** Requests in progress, so that shutdown can wait for them within a bound. */
export class Inflight {
  private count = 0;
  private waiters: (() => void)[] = [];
  draining = false;

  get size(): number {
    return this.count;
  }

  enter(): void {
    this.count++;
  }

  leave(): void {
    if (--this.count === 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
  }

  /** Resolves when no request is in progress. */
  idle(): Promise<void> {
    return this.count === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.waiters.push(resolve));
  }
}
