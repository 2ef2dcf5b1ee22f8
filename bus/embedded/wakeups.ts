/**
 * Per-stream wake-up calls: replays wait for the next stored message, consumers listen. A
 * listener is told the subject stored (undefined: anything may have changed), so a consumer
 * filtered on one host's subject is not woken by the other hosts' messages.
 */
export class Wakeups {
  private readonly waiting = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  private readonly listeners = new Map<string, Set<(subject: string | undefined) => void>>();

  /** A promise that resolves at the next `fire(stream)` (or `fireAll`). */
  next(stream: string): Promise<void> {
    let w = this.waiting.get(stream);
    if (w === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      w = { promise, resolve };
      this.waiting.set(stream, w);
    }
    return w.promise;
  }

  listen(stream: string, fn: (subject: string | undefined) => void): () => void {
    let set = this.listeners.get(stream);
    if (set === undefined) this.listeners.set(stream, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  fire(stream: string, subject?: string): void {
    const w = this.waiting.get(stream);
    this.waiting.delete(stream);
    w?.resolve();
    for (const fn of this.listeners.get(stream) ?? []) fn(subject);
  }

  fireAll(): void {
    for (const stream of [...this.waiting.keys(), ...this.listeners.keys()]) this.fire(stream);
  }
}

/** Resolves when `p` does or the signal aborts, whichever is first. */
export function untilAborted(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    void p.then(done);
  });
}
