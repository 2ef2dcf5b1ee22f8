/**
 * One timer for any number of simulated hosts: events sit in a min-heap by due time, and only
 * the earliest one holds a timer on the Clock. A fleet of thousands of hosts shares one
 * scheduler, so a VM costs a heap entry while a transition is pending and nothing otherwise.
 */
import type { Clock, TimerHandle } from '../../../core/clock.ts';

export interface SimEvent {
  readonly at: number;
  readonly seq: number;
  fn: (() => void) | undefined;
}

export class SimScheduler {
  private readonly heap: SimEvent[] = [];
  private seq = 0;
  private armed: { at: number; handle: TimerHandle } | undefined;

  constructor(readonly clock: Clock) {}

  /** Runs `fn` after `delayMs` on the clock; the handle cancels it. */
  after(delayMs: number, fn: () => void): SimEvent {
    const ev: SimEvent = { at: this.clock.now() + Math.max(0, delayMs), seq: this.seq++, fn };
    this.push(ev);
    this.arm();
    return ev;
  }

  cancel(ev: SimEvent | undefined): void {
    if (ev !== undefined) ev.fn = undefined;
  }

  /** Events waiting, cancelled ones included until they reach the top. */
  get size(): number {
    return this.heap.length;
  }

  /** Drops every event and the timer. */
  clear(): void {
    this.heap.length = 0;
    if (this.armed !== undefined) this.clock.clearTimeout(this.armed.handle);
    this.armed = undefined;
  }

  private arm(): void {
    while (this.heap[0] !== undefined && this.heap[0].fn === undefined) this.pop();
    const head = this.heap[0];
    if (head === undefined) return;
    if (this.armed !== undefined) {
      if (this.armed.at <= head.at) return;
      this.clock.clearTimeout(this.armed.handle);
    }
    const at = head.at;
    this.armed = { at, handle: this.clock.setTimeout(() => this.fire(), at - this.clock.now()) };
  }

  private fire(): void {
    this.armed = undefined;
    const now = this.clock.now();
    for (let head = this.heap[0]; head !== undefined && head.at <= now; head = this.heap[0]) {
      this.pop();
      const fn = head.fn;
      head.fn = undefined;
      fn?.();
    }
    this.arm();
  }

  private push(ev: SimEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(ev, h[p] as SimEvent)) break;
      h[i] = h[p] as SimEvent;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r] as SimEvent, h[l] as SimEvent) ? r : l;
      if (!before(h[c] as SimEvent, last)) break;
      h[i] = h[c] as SimEvent;
      i = c;
    }
    h[i] = last;
  }
}

const before = (a: SimEvent, b: SimEvent): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);
