/**
 * The upload bytes a sequential parser has received but not consumed yet, by their offset in
 * the upload. Skipping drops bytes (also bytes still to come), so only one structure is held.
 */
import { concatBytes } from '../bytes.ts';

export class PendingBytes {
  private parts: Uint8Array[] = [];
  private held = 0;
  /** Upload offset of the first byte not consumed. */
  private first = 0;
  /** Bytes still to drop from what arrives next. */
  private toSkip = 0;

  get start(): number {
    return this.first;
  }

  /** Upload offset just past the last byte received. */
  get end(): number {
    return this.first + this.held - this.toSkip;
  }

  /** State saved from `start`, `peekAll()` and `end`. */
  restore(start: number, held: Uint8Array, end: number): void {
    this.first = start;
    this.parts = held.length > 0 ? [held] : [];
    this.held = held.length;
    this.toSkip = Math.max(0, start + held.length - end);
  }

  add(chunk: Uint8Array): void {
    let c = chunk;
    if (this.toSkip > 0) {
      const n = Math.min(this.toSkip, c.length);
      this.toSkip -= n;
      c = c.subarray(n);
    }
    if (c.length === 0) return;
    this.parts.push(c);
    this.held += c.length;
  }

  /** The next n bytes without consuming them, or undefined if not all are here. */
  peek(n: number): Uint8Array | undefined {
    if (this.held < n) return undefined;
    const first = this.parts[0];
    if (first !== undefined && first.length >= n) return first.subarray(0, n);
    const all = concatBytes(this.parts);
    this.parts = [all];
    return all.subarray(0, n);
  }

  peekAll(): Uint8Array {
    return concatBytes(this.parts);
  }

  take(n: number): Uint8Array | undefined {
    const b = this.peek(n);
    if (b === undefined) return undefined;
    this.drop(n);
    return b;
  }

  /** Moves to upload offset `to`, dropping what lies before it, also bytes still to come. */
  skipTo(to: number): void {
    const n = to - this.first;
    if (n <= 0) return;
    const now = Math.min(n, this.held);
    this.drop(now);
    if (now < n) {
      this.toSkip = n - now;
      this.first += this.toSkip;
    }
  }

  private drop(n: number): void {
    let left = n;
    while (left > 0) {
      const p = this.parts[0];
      if (p === undefined) break;
      if (p.length <= left) {
        this.parts.shift();
        left -= p.length;
      } else {
        this.parts[0] = p.subarray(left);
        left = 0;
      }
    }
    this.held -= n;
    this.first += n;
  }
}
