/**
 * Group commit across actors: the record writes that different activations start in the same
 * turn of the event loop (the turns run by one burst of deliveries) go to the bucket as one
 * `updateMany`: one LMDB transaction and one flush on the embedded bus, pipelined publishes on
 * NATS. Each writer still gets its own compare-and-set answer, so fencing is unchanged.
 */
import type { KeyValue, KvCasResult, KvCasWrite } from '../../bus/bus.ts';

interface Waiting {
  readonly write: KvCasWrite;
  readonly resolve: (r: KvCasResult) => void;
  readonly reject: (e: unknown) => void;
}

export class CommitBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly kv: KeyValue,
    /** Writes sent in one batch at most; more make several batches, sent together. */
    private readonly maxBatch = 256,
  ) {}

  /** `create` when `expectedRevision` is 0, else `update`; sent with whatever else is waiting. */
  write(key: string, value: Uint8Array, expectedRevision: number): Promise<KvCasResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ write: { key, value, expectedRevision }, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After the current burst of I/O callbacks and their microtasks: every turn they ran has
      // reached its commit by then.
      setImmediate(() => this.send());
    });
  }

  private send(): void {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    for (let i = 0; i < all.length; i += this.maxBatch) {
      const batch = all.slice(i, i + this.maxBatch);
      this.kv.updateMany(batch.map((w) => w.write)).then(
        (results) => batch.forEach((w, j) => w.resolve(results[j] ?? { ok: false })),
        (e: unknown) => batch.forEach((w) => w.reject(e)),
      );
    }
  }
}
