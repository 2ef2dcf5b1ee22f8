/**
 * SHA-256 on a worker thread, for the logical disk of an ingest that needs no checkpoints: the
 * hash of every byte of the disk was the largest single cost on ingest's thread, and on a
 * machine of two cores or more it can run beside the decoding, the block hashes and the LMDB
 * writes. Bytes go to the worker through a ring of shared memory owned by each hash (one copy,
 * no allocation); {@link OffThreadSha256.ready} holds the writer back while the ring is full,
 * so the worker's pace bounds what is held. One worker serves every hash of the process.
 */
import { Worker } from 'node:worker_threads';
import { RavelError } from '../../core/errors.ts';
import type { Sha256 } from './sha256.ts';

const RING_BYTES = 4 * 1024 * 1024;
/** Rings kept for the next hashes: an ingest that fails early (a fuzzed upload) costs no new one. */
const MAX_POOLED_RINGS = 4;
const rings: SharedArrayBuffer[] = [];

type Reply =
  | { readonly op: 'consumed'; readonly id: number; readonly bytes: number }
  | { readonly op: 'digest'; readonly id: number; readonly seq: number; readonly hex: string };

// Plain JavaScript, so the worker needs no TypeScript loader.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
const zeros = new Uint8Array(1024 * 1024);
parentPort.on('message', (m) => {
  if (m.op === 'open') { hashes.set(m.id, { h: createHash('sha256'), ring: new Uint8Array(m.ring) }); return; }
  const s = hashes.get(m.id);
  if (s === undefined) return;
  if (m.op === 'update') {
    s.h.update(s.ring.subarray(m.at, m.at + m.bytes));
    parentPort.postMessage({ op: 'consumed', id: m.id, bytes: m.bytes });
  } else if (m.op === 'zeros') {
    for (let left = m.count; left > 0; left -= zeros.length) s.h.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
    parentPort.postMessage({ op: 'consumed', id: m.id, bytes: 0 });
  } else if (m.op === 'digest') {
    const h = m.keep ? s.h.copy() : s.h;
    if (m.trailer) h.update(m.trailer);
    parentPort.postMessage({ op: 'digest', id: m.id, seq: m.seq, hex: h.digest('hex') });
    if (!m.keep) hashes.delete(m.id);
  } else if (m.op === 'close') {
    hashes.delete(m.id);
  }
});
`;

/** The process's one hashing worker; it keeps the process alive only while a request is out. */
class HashWorker {
  private worker: Worker | undefined;
  /** Weak, so a hash its ingest dropped (a failure) is collected and closed in the worker. */
  private readonly open = new Map<number, WeakRef<OffThreadSha256>>();
  private readonly dropped = new FinalizationRegistry<number>((id) => this.close(id));
  /**
   * Hashes with requests out, held strongly: a caller awaiting a digest is reachable only from
   * the hash's own resolvers, so a weak reference alone would let the whole wait be collected.
   */
  private readonly busy = new Map<number, { readonly hash: OffThreadSha256; count: number }>();
  private outstanding = 0;
  private nextId = 1;

  attach(hash: OffThreadSha256, ring: SharedArrayBuffer): number {
    const id = this.nextId++;
    this.open.set(id, new WeakRef(hash));
    this.dropped.register(hash, id, hash);
    this.started().postMessage({ op: 'open', id, ring });
    return id;
  }

  /** A request the worker answers (an update or a digest). */
  request(hash: OffThreadSha256, message: { readonly op: string; readonly id: number } & Record<string, unknown>): void {
    const w = this.started();
    if (this.outstanding++ === 0) w.ref();
    const b = this.busy.get(message.id);
    if (b === undefined) this.busy.set(message.id, { hash, count: 1 });
    else b.count++;
    w.postMessage(message);
  }

  close(id: number): void {
    if (!this.open.delete(id)) return;
    this.worker?.postMessage({ op: 'close', id });
  }

  detach(hash: OffThreadSha256, id: number): void {
    this.dropped.unregister(hash);
    this.close(id);
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    w.on('message', (m: Reply) => {
      if (--this.outstanding === 0) w.unref();
      const b = this.busy.get(m.id);
      if (b !== undefined && --b.count === 0) this.busy.delete(m.id);
      if (this.open.has(m.id)) b?.hash.receive(m);
    });
    const lost = (e: unknown): void => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.outstanding = 0;
      this.busy.clear();
      const failure = new RavelError('INTERNAL', 'the hashing thread stopped', { cause: e });
      for (const h of this.open.values()) h.deref()?.fail(failure);
      this.open.clear();
    };
    w.on('error', lost);
    w.on('exit', (code) => lost(new Error(`exit ${code}`)));
    this.worker = w;
    return w;
  }
}

const shared = new HashWorker();
/** Bytes given to the ring at a time: a write larger than the ring goes through in pieces. */
const PIECE = RING_BYTES / 4;

export class OffThreadSha256 implements Sha256 {
  /**
   * Reused once the hash is done with: messages reach the worker in order, so its last reads
   * of this hash come before the next owner's first.
   */
  private readonly ring = rings.pop() ?? new SharedArrayBuffer(RING_BYTES);
  private readonly bytes = new Uint8Array(this.ring);
  private readonly id: number;
  private writeAt = 0;
  /** Bytes in the ring the worker has not hashed yet. */
  private held = 0;
  /**
   * What found the ring full, in order: copied bytes, or a count of zeros (bounded by callers
   * awaiting ready()).
   */
  private readonly overflow: Array<Uint8Array | number> = [];
  private overflowBytes = 0;
  private waiters: Array<() => void> = [];
  private readonly digests = new Map<number, { resolve: (hex: string) => void; reject: (e: unknown) => void }>();
  private seq = 0;
  private failure: RavelError | undefined;
  private finished = false;
  private released = false;

  constructor() {
    this.id = shared.attach(this, this.ring);
  }

  update(data: Uint8Array): void {
    if (this.finished) throw new RavelError('ILLEGAL_STATE', 'the hash is finished');
    for (let at = 0; at < data.length; at += PIECE) {
      const piece = data.subarray(at, at + PIECE);
      if (this.overflow.length > 0 || !this.send(piece)) {
        this.overflow.push(Uint8Array.from(piece));
        this.overflowBytes += piece.length;
      }
    }
  }

  /** Hashes `count` zero bytes, made on the worker: a sparse disk's holes cost no copies. */
  updateZeros(count: number): void {
    if (count <= 0) return;
    if (this.overflow.length > 0) this.overflow.push(count);
    else shared.request(this, { op: 'zeros', id: this.id, count });
  }

  /** Resolves once the ring is no more than half full. */
  ready(): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.held + this.overflowBytes <= RING_BYTES / 2) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async digestHex(): Promise<string> {
    this.finished = true;
    try {
      return await this.ask(undefined, false);
    } finally {
      this.release();
    }
  }

  /** Drops the hash unfinished (its ingest failed). */
  close(): void {
    if (this.finished && this.released) return;
    this.finished = true;
    this.overflow.length = 0;
    this.overflowBytes = 0;
    this.fail(new RavelError('ILLEGAL_STATE', 'the hash was closed'));
    this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    shared.detach(this, this.id);
    if (rings.length < MAX_POOLED_RINGS) rings.push(this.ring);
  }

  save(): string | undefined {
    return undefined;
  }

  digestWith(trailer: Uint8Array): Promise<string> {
    return this.ask(Uint8Array.from(trailer), true);
  }

  receive(m: Reply): void {
    if (m.op === 'consumed') {
      this.held -= m.bytes;
      for (let o = this.overflow[0]; o !== undefined; o = this.overflow[0]) {
        if (typeof o === 'number') {
          shared.request(this, { op: 'zeros', id: this.id, count: o });
        } else {
          if (!this.send(o)) break;
          this.overflowBytes -= o.length;
        }
        this.overflow.shift();
      }
      if (this.held + this.overflowBytes <= RING_BYTES / 2) this.wake();
    } else {
      this.digests.get(m.seq)?.resolve(m.hex);
      this.digests.delete(m.seq);
    }
  }

  fail(e: RavelError): void {
    this.failure = e;
    for (const d of this.digests.values()) d.reject(e);
    this.digests.clear();
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private async ask(trailer: Uint8Array | undefined, keep: boolean): Promise<string> {
    // Everything updated so far reaches the worker before the digest request does.
    while (this.overflow.length > 0 && this.failure === undefined) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure !== undefined) throw this.failure;
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.digests.set(seq, { resolve, reject });
      shared.request(this, { op: 'digest', id: this.id, seq, keep, ...(trailer === undefined ? {} : { trailer }) });
    });
  }

  /** Copies data into the ring (in one or two pieces) if it fits now. */
  private send(data: Uint8Array): boolean {
    if (data.length > RING_BYTES - this.held) return false;
    let from = 0;
    while (from < data.length) {
      const n = Math.min(data.length - from, RING_BYTES - this.writeAt);
      this.bytes.set(data.subarray(from, from + n), this.writeAt);
      shared.request(this, { op: 'update', id: this.id, at: this.writeAt, bytes: n });
      this.held += n;
      this.writeAt = (this.writeAt + n) % RING_BYTES;
      from += n;
    }
    return true;
  }
}
