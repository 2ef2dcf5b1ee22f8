/** A key-value bucket on JetStream (`js.views.kv`); compare-and-set through expected revisions. */
import { Empty, headers, type KV } from 'nats';
import type { KeyValue, KvCasResult, KvCasWrite, KvEntry } from '../bus.ts';
import { checkKvValue } from '../kv-limits.ts';
import { checkKvKey } from '../subject.ts';
import { beforeReconnect, mapError, type NatsContext } from './nats-context.ts';
import { JsErr, jsErrCode } from './nats-errors.ts';

export class NatsKv implements KeyValue {
  constructor(
    private readonly ctx: NatsContext,
    readonly bucket: string,
    private readonly kv: KV,
    /** From the server's max_payload when the bucket was opened (kv-limits.ts). */
    readonly maxValueBytes: number,
  ) {}

  async get(key: string): Promise<KvEntry | undefined> {
    this.ctx.guard();
    checkKvKey(key);
    try {
      const e = await beforeReconnect(this.ctx, `kv get ${this.bucket}/${key}`, this.kv.get(key));
      return e === null || e.operation !== 'PUT' ? undefined : { key, value: e.value, revision: e.revision };
    } catch (err) {
      throw mapError(this.ctx, err, `kv get ${this.bucket}/${key}`);
    }
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    this.ctx.guard();
    checkKvKey(key);
    checkKvValue(this.bucket, key, value, this.maxValueBytes);
    try {
      return await beforeReconnect(this.ctx, `kv put ${this.bucket}/${key}`, this.kv.put(key, value));
    } catch (err) {
      throw mapError(this.ctx, err, `kv put ${this.bucket}/${key}`);
    }
  }

  create(key: string, value: Uint8Array): Promise<KvCasResult> {
    return this.cas(key, value, 'create', () => this.kv.create(key, value));
  }

  update(key: string, value: Uint8Array, expectedRevision: number): Promise<KvCasResult> {
    return this.cas(key, value, 'update', () => this.kv.update(key, value, expectedRevision));
  }

  /** Every publish goes out before any acknowledgement is awaited: one flush, pipelined acks. */
  async updateMany(writes: readonly KvCasWrite[]): Promise<KvCasResult[]> {
    this.ctx.guard();
    for (const w of writes) {
      checkKvKey(w.key);
      checkKvValue(this.bucket, w.key, w.value, this.maxValueBytes);
    }
    return Promise.all(writes.map((w) => (w.expectedRevision === 0 ? this.create(w.key, w.value) : this.update(w.key, w.value, w.expectedRevision))));
  }

  /** Writes the KV delete marker itself, so the answer carries the marker's revision. */
  delete(key: string, expectedRevision?: number): Promise<KvCasResult> {
    const h = headers();
    h.set('KV-Operation', 'DEL');
    return this.cas(key, Empty, 'delete', async () => {
      const ack = await this.ctx.js.publish(`$KV.${this.bucket}.${key}`, Empty, {
        headers: h,
        ...(expectedRevision === undefined ? {} : { expect: { lastSubjectSequence: expectedRevision } }),
      });
      return ack.seq;
    });
  }

  async keys(prefix = ''): Promise<string[]> {
    this.ctx.guard();
    try {
      const out: string[] = [];
      for await (const k of await this.kv.keys()) if (k.startsWith(prefix)) out.push(k);
      return out;
    } catch (err) {
      throw mapError(this.ctx, err, `kv keys ${this.bucket}`);
    }
  }

  private async cas(key: string, value: Uint8Array, what: string, write: () => Promise<number>): Promise<KvCasResult> {
    this.ctx.guard();
    checkKvKey(key);
    checkKvValue(this.bucket, key, value, this.maxValueBytes);
    try {
      return { ok: true, revision: await beforeReconnect(this.ctx, `kv ${what} ${this.bucket}/${key}`, write()) };
    } catch (err) {
      if (jsErrCode(err) === JsErr.wrongLastSequence) return { ok: false };
      throw mapError(this.ctx, err, `kv ${what} ${this.bucket}/${key}`);
    }
  }
}
