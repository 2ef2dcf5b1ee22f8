/**
 * Memory for the blocks of a write batch, between the caller's write (whose buffer the caller
 * gets back when the write resolves) and the transaction that stores them (lmdb-js copies
 * values on its write thread from pointers into these buffers). A buffer per block made raw
 * ingest spend a fifth of its time in the garbage collector, driven by external memory; arenas
 * are reused once their batch has committed, so a long write allocates almost nothing.
 */
const ARENA_BYTES = 1024 * 1024;
/** Arenas kept for reuse per store: enough for the batches a few writers keep in flight. */
const MAX_POOLED = 96;

export class ArenaPool {
  private readonly free: Buffer[] = [];
  readonly arenaBytes: number;

  constructor(readonly blockSize: number) {
    this.arenaBytes = Math.max(ARENA_BYTES, blockSize);
  }

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.arenaBytes);
  }

  give(arenas: readonly Buffer[]): void {
    for (const a of arenas) if (this.free.length < MAX_POOLED) this.free.push(a);
  }
}

/** The arenas of one batch: blocks are copied in, and all go back to the pool together. */
export class BatchMemory {
  private readonly arenas: Buffer[] = [];
  private used: number;

  constructor(private readonly pool: ArenaPool) {
    this.used = pool.arenaBytes;
  }

  /** A copy of `block` (at most one block long) that stays put until {@link release}. */
  keep(block: Uint8Array): Buffer {
    let arena = this.arenas[this.arenas.length - 1];
    if (arena === undefined || this.used + this.pool.blockSize > arena.length) {
      arena = this.pool.take();
      this.arenas.push(arena);
      this.used = 0;
    }
    const kept = arena.subarray(this.used, this.used + block.length);
    kept.set(block);
    this.used += this.pool.blockSize;
    return kept;
  }

  /** Only once nothing reads the kept blocks any more (their transaction has committed or failed). */
  release(): void {
    this.pool.give(this.arenas);
    this.arenas.length = 0;
    this.used = this.pool.arenaBytes;
  }
}
