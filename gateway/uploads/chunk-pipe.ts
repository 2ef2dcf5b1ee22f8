/**
 * The bridge from PATCH requests (pushed chunks) to ingest (pulled chunks): an async iterable
 * that lives as long as the upload, across requests. It holds at most about `highWater`
 * bytes: `push` answers false past it, and the writer pauses its socket until `onDrain`
 * fires, once ingest has pulled the queue down below half of it.
 */
import { RavelError } from '../../core/errors.ts';

export class ChunkPipe implements AsyncIterable<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private ended = false;
  private failure: RavelError | undefined;
  private waiter: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private waiterFail: ((e: unknown) => void) | undefined;
  private drainListener: (() => void) | undefined;

  constructor(private readonly highWater: number) {}

  /** Bytes pushed but not yet pulled. */
  get buffered(): number {
    return this.queued;
  }

  /** Queues a chunk (already copied out of uWS); false when the writer should pause. */
  push(chunk: Uint8Array): boolean {
    if (this.ended || this.failure !== undefined) return true;
    if (chunk.length === 0) return this.queued < this.highWater;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      this.waiterFail = undefined;
      w({ value: chunk, done: false });
      return true;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    return this.queued < this.highWater;
  }

  /** The writer's one listener, called when the queue has room again. */
  onDrain(listener: (() => void) | undefined): void {
    this.drainListener = listener;
  }

  /** The last byte has been pushed. */
  end(): void {
    this.ended = true;
    this.settleWaiter();
  }

  /** Stops the consumer with this error (termination, expiry). */
  fail(e: RavelError): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.queue.length = 0;
    this.queued = 0;
    this.settleWaiter();
    // A writer paused on a full queue must read on: what it pushes now is dropped, and its
    // request can end and be answered with the failure, instead of hanging paused for good.
    this.drainListener?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.next(),
      return: async () => {
        this.fail(new RavelError('CLOSED', 'ingest stopped reading the upload'));
        return { value: undefined, done: true };
      },
    };
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.queued -= chunk.length;
      if (this.queued <= this.highWater / 2) this.drainListener?.();
      return Promise.resolve({ value: chunk, done: false });
    }
    this.drainListener?.();
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.waiterFail = reject;
    });
  }

  private settleWaiter(): void {
    const w = this.waiter;
    const f = this.waiterFail;
    this.waiter = undefined;
    this.waiterFail = undefined;
    if (this.failure !== undefined) f?.(this.failure);
    else if (this.ended) w?.({ value: undefined, done: true });
  }
}
