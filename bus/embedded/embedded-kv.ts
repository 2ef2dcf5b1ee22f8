/** A key-value bucket of the embedded bus: one revision counter per bucket, CAS in a write txn. */
import type { KeyValue, KvCasResult, KvCasWrite, KvEntry } from '../bus.ts';
import { checkKvValue, maxValueBytesFor, NATS_DEFAULT_MAX_PAYLOAD } from '../kv-limits.ts';
import { checkKvKey } from '../subject.ts';
import type { DurableStore, KvRecord } from './store.ts';

export class EmbeddedKv implements KeyValue {
  /** What a NATS bucket takes at the server's default, so a record that fits here fits a cluster. */
  readonly maxValueBytes = maxValueBytesFor(NATS_DEFAULT_MAX_PAYLOAD);

  constructor(
    private readonly store: DurableStore,
    readonly bucket: string,
    private readonly guard: () => void,
  ) {}

  async get(key: string): Promise<KvEntry | undefined> {
    this.guard();
    checkKvKey(key);
    const rec = this.store.kv.get([this.bucket, key]);
    return rec === undefined || rec.deleted ? undefined : { key, value: rec.value, revision: rec.revision };
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    const r = await this.write(key, value, false, () => true);
    if (!r.ok) throw new Error('unreachable: an unconditional put cannot lose');
    return r.revision;
  }

  create(key: string, value: Uint8Array): Promise<KvCasResult> {
    return this.write(key, value, false, (cur) => cur === undefined || cur.deleted);
  }

  update(key: string, value: Uint8Array, expectedRevision: number): Promise<KvCasResult> {
    return this.write(key, value, false, (cur) => cur !== undefined && cur.revision === expectedRevision);
  }

  /** One write transaction and one flush for the whole batch. */
  async updateMany(writes: readonly KvCasWrite[]): Promise<KvCasResult[]> {
    this.guard();
    for (const w of writes) {
      checkKvKey(w.key);
      checkKvValue(this.bucket, w.key, w.value, this.maxValueBytes);
    }
    if (writes.length === 0) return [];
    const copies = writes.map((w) => Uint8Array.prototype.slice.call(w.value));
    return this.store.write((): KvCasResult[] => {
      const meta = this.store.buckets.get(this.bucket);
      if (meta === undefined) return writes.map(() => ({ ok: false }));
      // Reads within the transaction see its own earlier puts, so same-key writes apply in order.
      let revision = meta.revision;
      const results = writes.map((w, i): KvCasResult => {
        const cur = this.store.kv.get([this.bucket, w.key]);
        const allowed = w.expectedRevision === 0 ? cur === undefined || cur.deleted : cur !== undefined && !cur.deleted && cur.revision === w.expectedRevision;
        if (!allowed) return { ok: false };
        revision++;
        void this.store.kv.put([this.bucket, w.key], { value: copies[i] as Uint8Array, revision, deleted: false });
        return { ok: true, revision };
      });
      if (revision !== meta.revision) void this.store.buckets.put(this.bucket, { ...meta, revision });
      return results;
    });
  }

  delete(key: string, expectedRevision?: number): Promise<KvCasResult> {
    return this.write(key, new Uint8Array(0), true, (cur) => expectedRevision === undefined || (cur?.revision ?? 0) === expectedRevision);
  }

  async keys(prefix = ''): Promise<string[]> {
    this.guard();
    const out: string[] = [];
    for (const { key, value } of this.store.kv.getRange({ start: [this.bucket, prefix], end: [this.bucket, `${prefix}\uffff`] })) {
      if (!value.deleted && key[1].startsWith(prefix)) out.push(key[1]);
    }
    return out;
  }

  private async write(
    key: string,
    value: Uint8Array,
    deleted: boolean,
    allowed: (cur: KvRecord | undefined) => boolean,
  ): Promise<KvCasResult> {
    this.guard();
    checkKvKey(key);
    checkKvValue(this.bucket, key, value, this.maxValueBytes);
    const copy = Uint8Array.prototype.slice.call(value);
    return this.store.write((): KvCasResult => {
      const meta = this.store.buckets.get(this.bucket);
      if (meta === undefined || !allowed(this.store.kv.get([this.bucket, key]))) return { ok: false };
      const revision = meta.revision + 1;
      void this.store.buckets.put(this.bucket, { ...meta, revision });
      void this.store.kv.put([this.bucket, key], { value: copy, revision, deleted });
      return { ok: true, revision };
    });
  }
}
