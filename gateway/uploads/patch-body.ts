/**
 * A PATCH body as it arrives from uWS. onData is registered in the synchronous part of the
 * handler (uWS drops chunks otherwise); every chunk is copied out of uWS's buffer at once.
 * Until the handler has authenticated the request and checked its offset, chunks wait here,
 * the socket paused past `highWater`; then they go to the target, which answers false when
 * ingest is behind (the socket is paused until `resume`). A target that throws ends the
 * reading: the failure is kept for the answer and later chunks are dropped.
 */
import type { RavelError } from '../../core/errors.ts';
import { toRavelError } from '../../core/errors.ts';
import type { Exchange } from '../http/exchange.ts';

export type ChunkTarget = (chunk: Uint8Array) => boolean;

export type BodyEnd = { readonly kind: 'complete' } | { readonly kind: 'aborted' } | { readonly kind: 'failed'; readonly error: RavelError };

export class PatchBody {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private target: ChunkTarget | undefined;
  private paused = false;
  private ended: BodyEnd | undefined;
  private complete = false;
  private settle: ((end: BodyEnd) => void) | undefined;
  readonly done: Promise<BodyEnd>;

  constructor(
    private readonly ex: Exchange,
    private readonly highWater: number,
  ) {
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
    ex.onAbort(() => this.finish({ kind: 'aborted' }));
    ex.res.onData((ab, isLast) => {
      if (this.ended !== undefined) return;
      const chunk = new Uint8Array(ab.byteLength);
      chunk.set(new Uint8Array(ab));
      this.complete = isLast;
      if (this.target === undefined) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
        if (this.pendingBytes > this.highWater) this.pause();
      } else {
        this.deliver(chunk);
      }
      if (isLast && this.target !== undefined) this.finish({ kind: 'complete' });
    });
  }

  /** Starts delivering: what arrived so far first. */
  attach(target: ChunkTarget): void {
    this.target = target;
    const held = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    let room = true;
    for (const c of held) room = this.deliver(c) && room;
    if (this.complete) this.finish({ kind: 'complete' });
    else if (room) this.resume();
  }

  /** Ingest has room again. */
  resume(): void {
    if (!this.paused || this.ex.aborted) return;
    this.paused = false;
    this.ex.res.resume();
  }

  private deliver(chunk: Uint8Array): boolean {
    if (this.ended !== undefined || this.target === undefined) return true;
    try {
      const room = this.target(chunk);
      if (!room) this.pause();
      return room;
    } catch (e) {
      this.finish({ kind: 'failed', error: toRavelError(e) });
      return true;
    }
  }

  private pause(): void {
    if (this.paused || this.ended !== undefined || !this.ex.open) return;
    this.paused = true;
    this.ex.res.pause();
  }

  private finish(end: BodyEnd): void {
    if (this.ended !== undefined) return;
    this.ended = end;
    this.pending = [];
    // A socket left paused would not read the next request on the same connection.
    this.resume();
    this.settle?.(end);
  }
}
