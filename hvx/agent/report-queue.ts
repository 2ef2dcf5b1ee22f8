/**
 * The agent's VM state reports, published one at a time in the order they happened, each retried
 * until the stream has stored it. A report lost while NATS restarts would leave the control
 * plane waiting for a VM that has long stopped (STOPPING for good); sent out of order it would
 * undo a later state. Bounded: past `capacity` the oldest report is dropped, with a warning.
 */
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';

export interface ReportQueueOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Stores one report; throws while the stream cannot. */
  readonly publish: (data: Uint8Array) => Promise<unknown>;
  /** Default 10,000 reports. */
  readonly capacity?: number;
  /** First and longest wait between attempts; default 200 ms and 5 s. */
  readonly retryMs?: readonly [number, number];
}

export class ReportQueue {
  private readonly queue: Uint8Array[] = [];
  private sending: Promise<void> | undefined;
  private closed = false;
  private readonly abort = new AbortController();
  /** Reports dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly o: ReportQueueOptions) {}

  get pending(): number {
    return this.queue.length;
  }

  push(data: Uint8Array): void {
    if (this.closed) return;
    if (this.queue.length >= (this.o.capacity ?? 10_000)) {
      this.queue.shift();
      this.dropped++;
      this.o.log.warn({ dropped: this.dropped }, 'VM state report dropped: the queue of unsent reports is full');
    }
    this.queue.push(data);
    this.send();
  }

  /**
   * Starts the sender unless it runs. A report pushed after the sender's last look at the queue
   * but before it is forgotten would be stranded: the sender looks again once forgotten.
   */
  private send(): void {
    if (this.sending !== undefined || this.closed) return;
    const round: Promise<void> = this.drain().finally(() => {
      if (this.sending === round) this.sending = undefined;
      if (this.queue.length > 0) this.send();
    });
    this.sending = round;
  }

  /** Stops retrying; what is unsent stays unsent. Resolves once the attempt in flight is over. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await this.sending;
  }

  private async drain(): Promise<void> {
    const [first, longest] = this.o.retryMs ?? [200, 5000];
    let wait = first;
    for (let head = this.queue[0]; head !== undefined && !this.closed; head = this.queue[0]) {
      try {
        await this.o.publish(head);
        if (this.queue[0] === head) this.queue.shift();
        wait = first;
      } catch (e) {
        this.o.log.warn({ err: e, pending: this.queue.length, retryInMs: wait }, 'VM state not reported yet; retrying');
        await this.o.clock.sleep(wait, this.abort.signal).catch(() => undefined);
        wait = Math.min(longest, wait * 2);
      }
    }
  }
}
