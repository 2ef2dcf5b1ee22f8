/** The last n bytes of a stream seen so far, for formats that end with a footer. */
import { concatBytes } from './bytes.ts';

export class TailBytes {
  private tail: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly n: number,
    /** The tail saved from {@link bytes}, to go on from a checkpoint. */
    from?: Uint8Array,
  ) {
    if (from !== undefined) this.tail = from.slice(-n);
  }

  add(chunk: Uint8Array): void {
    this.tail =
      chunk.length >= this.n ? chunk.slice(chunk.length - this.n) : concatBytes([this.tail, chunk]).slice(-this.n);
  }

  get bytes(): Uint8Array {
    return this.tail;
  }
}
