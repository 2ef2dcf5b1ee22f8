/**
 * Random access over an upload that can only be read once, front to back. A decoder claims
 * ranges of the upload as its tables reveal them: a range still ahead is taken as it passes; a
 * range already passed is read back from staging. Bytes no claim covers are staged in the sink
 * (they may be data whose table comes later) until the decoder says its tables are complete,
 * after which they are dropped. Every byte is used at most once: two claims on the same bytes,
 * or a claim on bytes already used, is a corrupt (overlapping) table.
 *
 * A claim made with a tag ({@link UploadScheduler.claimTagged}) can be saved in a checkpoint
 * and bound back to the decoder's code on resume (scheduler-checkpoint.ts).
 */
import type { DiskSink } from '../ingest/disk-sink.ts';
import type { DecodeLimits, DecoderCheckpoint, DiskFormat } from './format.ts';
import { decodeFailed, tooLarge } from './decode-error.ts';
import { MinHeap } from './min-heap.ts';
import { StagedRanges } from './staged-ranges.ts';
import { concatBytes } from './bytes.ts';
import {
  b64,
  MAX_HELD_BYTES,
  rebind,
  unb64,
  type Bound,
  type ClaimTag,
  type SavedClaim,
  type SchedulerState,
  type TaggedClaim,
} from './scheduler-checkpoint.ts';

export type { TaggedClaim } from './scheduler-checkpoint.ts';

/** A range of the upload a decoder needs, with what to do with its bytes. */
export type Claim =
  | {
      readonly kind: 'whole';
      readonly offset: number;
      readonly length: number;
      readonly what: string;
      /** All the range's bytes at once (tables, headers, compressed clusters). */
      take(bytes: Uint8Array): Promise<void>;
      /** May share bytes with other shared claims (compressed clusters share sectors). */
      readonly shared?: boolean;
      /** If the upload ends inside the range, at least this much of it is enough. */
      readonly minLength?: number;
      readonly tag?: ClaimTag;
      /** Bytes of the tagged range before this claim's (a claim split where the upload was). */
      readonly prefix?: Uint8Array;
    }
  | {
      readonly kind: 'stream';
      readonly offset: number;
      readonly length: number;
      readonly what: string;
      /** The range's bytes piece by piece, in order (data that goes straight to the sink). */
      deliver(at: number, bytes: Uint8Array): Promise<void>;
      readonly tag?: ClaimTag;
      /** How far into the tagged range this claim starts. */
      readonly shift?: number;
    };

const READ_BACK_PIECE = 1024 * 1024;
/** Shared claims share at most the sectors at their ends. */
const EDGE = 512;

export class UploadScheduler {
  private position = 0;
  private readonly pending = new MinHeap<Claim>((c) => c.offset);
  private active: Array<{ claim: Claim; filled: number; buf: Uint8Array | undefined }> = [];
  private readonly staged = new StagedRanges();
  private discard = false;

  constructor(
    private readonly sink: DiskSink,
    private readonly format: string,
    private readonly limits: Pick<DecodeLimits, 'maxPendingRanges' | 'maxTableBytes'>,
    /** Binds a claim's tag to the decoder's code; needed by claimTagged and restore. */
    private readonly bind?: (tag: ClaimTag) => Bound,
  ) {}

  /** Upload bytes seen so far. */
  get received(): number {
    return this.position;
  }

  /** The decoder knows every table: bytes no claim covers are no longer kept. */
  tablesComplete(): void {
    this.discard = true;
  }

  /** A claim that a checkpoint can hold: what to do with its bytes comes from its tag. */
  claimTagged(t: TaggedClaim): Promise<void> {
    return this.claim(this.bound(t, this.binding()(t.tag)));
  }

  async claim(c: Claim): Promise<void> {
    if (!Number.isSafeInteger(c.offset) || !Number.isSafeInteger(c.length) || c.offset < 0 || c.length < 0) {
      throw decodeFailed('out-of-range', `${this.format}: ${c.what} has a bad offset or length`, this.format);
    }
    if (c.length === 0) return;
    if (c.kind === 'whole' && c.length > this.limits.maxTableBytes) {
      throw tooLarge('table', `${this.format}: ${c.what} of ${c.length} bytes exceeds ${this.limits.maxTableBytes}`, this.format);
    }
    if (c.offset >= this.position) {
      if (this.pending.size >= this.limits.maxPendingRanges) {
        throw tooLarge('too-many-ranges', `${this.format}: more than ${this.limits.maxPendingRanges} ranges outstanding`, this.format);
      }
      this.pending.push(c);
      return;
    }
    const passedEnd = Math.min(c.offset + c.length, this.position);
    if (!this.staged.covers(c.offset, passedEnd)) {
      throw decodeFailed('overlap', `${this.format}: ${c.what} at ${c.offset} overlaps bytes already used`, this.format);
    }
    const parts: Uint8Array[] = [];
    for (let at = c.offset; at < passedEnd; at += READ_BACK_PIECE) {
      const n = Math.min(READ_BACK_PIECE, passedEnd - at);
      const bytes = await this.sink.readStaged(at, n);
      if (c.kind === 'stream') await c.deliver(at - c.offset, bytes);
      else parts.push(bytes);
    }
    if (!isShared(c)) {
      this.staged.remove(c.offset, passedEnd);
      await this.sink.releaseStaged(c.offset, passedEnd - c.offset);
    }
    const rest = c.offset + c.length - passedEnd;
    const done = passedEnd - c.offset;
    if (c.kind === 'stream') {
      if (rest > 0) {
        const shift = (c.shift ?? 0) + done;
        await this.claim({
          ...c,
          offset: passedEnd,
          length: rest,
          shift,
          deliver: (at, b) => c.deliver(at + done, b),
        });
      }
    } else if (rest > 0) {
      const prefix = concatBytes(parts);
      const whole = concatBytes([c.prefix ?? new Uint8Array(0), prefix]);
      await this.claim({
        ...c,
        offset: passedEnd,
        length: rest,
        prefix: whole,
        take: (b) => c.take(concatBytes([prefix, b])),
      });
    } else {
      await c.take(concatBytes(parts));
    }
  }

  async push(chunk: Uint8Array): Promise<void> {
    let i = 0;
    while (i < chunk.length) {
      this.activateHere();
      const next = this.pending.peek();
      let step = chunk.length - i;
      if (next !== undefined) step = Math.min(step, next.offset - this.position);
      for (const a of this.active) step = Math.min(step, a.claim.length - a.filled);
      const piece = chunk.subarray(i, i + step);
      if (this.active.length === 0) {
        if (!this.discard) {
          await this.sink.stage(this.position, piece);
          this.staged.append(this.position, this.position + step);
        }
      } else {
        await this.keepSharedEdges(piece);
        for (const a of this.active) {
          if (a.claim.kind === 'stream') await a.claim.deliver(a.filled, piece);
          else a.buf?.set(piece, a.filled);
          a.filled += step;
        }
      }
      this.position += step;
      i += step;
      const complete = this.active.filter((a) => a.filled === a.claim.length);
      if (complete.length > 0) {
        this.active = this.active.filter((a) => a.filled !== a.claim.length);
        for (const a of complete) if (a.claim.kind === 'whole') await a.claim.take(a.buf ?? new Uint8Array(0));
      }
    }
  }

  /**
   * Bytes in the first and last sector of a shared claim may belong to another shared claim
   * that a later table reveals; they stay staged until the end.
   */
  private async keepSharedEdges(piece: Uint8Array): Promise<void> {
    const from = this.position;
    const to = from + piece.length;
    const ranges: Array<[number, number]> = [];
    for (const a of this.active) {
      if (!isShared(a.claim)) return;
      const start = a.claim.offset;
      const end = start + a.claim.length;
      ranges.push([start, Math.min(end, Math.floor(start / EDGE) * EDGE + EDGE)]);
      ranges.push([Math.max(start, Math.floor((end - 1) / EDGE) * EDGE), end]);
    }
    ranges.sort((x, y) => x[0] - y[0]);
    let keptTo = from;
    for (const [s, e] of ranges) {
      const a = Math.max(s, keptTo);
      const b = Math.min(e, to);
      if (a >= b) continue;
      await this.sink.stage(a, piece.subarray(a - from, b - from));
      this.staged.append(a, b);
      keptTo = b;
    }
  }

  /** Starts the claims that begin at the current position; only shared claims may overlap. */
  private activateHere(): void {
    for (let next = this.pending.peek(); next !== undefined && next.offset <= this.position; next = this.pending.peek()) {
      const clash = next.offset < this.position || this.active.some((a) => !isShared(a.claim) || !isShared(next));
      if (clash) {
        throw decodeFailed('overlap', `${this.format}: ${next.what} at ${next.offset} overlaps another range`, this.format);
      }
      this.pending.pop();
      this.active.push({ claim: next, filled: 0, buf: next.kind === 'whole' ? new Uint8Array(next.length) : undefined });
    }
  }

  /**
   * The state as plain data, or undefined while a claim without a tag is held or claims hold
   * more than MAX_HELD_BYTES (the next chunk boundary will do).
   */
  save(): SchedulerState | undefined {
    let held = 0;
    const saved = (c: Claim): SavedClaim | undefined => {
      if (c.tag === undefined) return undefined;
      const base = { kind: c.kind, offset: c.offset, length: c.length, what: c.what, tag: c.tag };
      if (c.kind === 'stream') return c.shift === undefined ? base : { ...base, shift: c.shift };
      held += c.prefix?.length ?? 0;
      return {
        ...base,
        ...(c.shared === undefined ? {} : { shared: c.shared }),
        ...(c.minLength === undefined ? {} : { minLength: c.minLength }),
        ...(c.prefix === undefined ? {} : { prefix: b64(c.prefix) }),
      };
    };
    const pending: SavedClaim[] = [];
    for (const c of this.pending.all()) {
      const p = saved(c);
      if (p === undefined) return undefined;
      pending.push(p);
    }
    const active: Array<SchedulerState['active'][number]> = [];
    for (const a of this.active) {
      const claim = saved(a.claim);
      if (claim === undefined) return undefined;
      held += a.buf === undefined ? 0 : a.filled;
      active.push(a.buf === undefined ? { claim, filled: a.filled } : { claim, filled: a.filled, held: b64(a.buf.subarray(0, a.filled)) });
    }
    if (held > MAX_HELD_BYTES) return undefined;
    return {
      position: this.position,
      discard: this.discard,
      staged: this.staged.all(),
      pending,
      active,
    };
  }

  /** A decoder checkpoint of its own state `own` and the scheduler's, or undefined (see save). */
  checkpoint(format: DiskFormat, own: Readonly<Record<string, unknown>>): DecoderCheckpoint | undefined {
    const sched = this.save();
    return sched === undefined ? undefined : { format, uploadOffset: this.position, state: { ...own, sched } };
  }

  /** Takes on a saved state (a fresh scheduler only), binding its claims' tags again. */
  restore(state: SchedulerState): void {
    const bind = this.binding();
    const claimOf = (c: SavedClaim): Claim => {
      const b = rebind(c, bind, this.format);
      const { prefix, ...rest } = c;
      const bytes = prefix === undefined ? {} : { prefix: unb64(prefix) };
      return b.kind === 'whole' ? { ...rest, ...bytes, kind: 'whole', take: b.take } : { ...rest, kind: 'stream', deliver: b.deliver };
    };
    this.position = state.position;
    this.discard = state.discard;
    for (const [s, e] of state.staged) this.staged.append(s, e);
    for (const c of state.pending) this.pending.push(claimOf(c));
    this.active = state.active.map((a) => {
      const claim = claimOf(a.claim);
      if (a.filled > claim.length) throw decodeFailed('bad-checkpoint', `${this.format}: ${claim.what} overfilled`, this.format);
      if (claim.kind === 'stream') return { claim, filled: a.filled, buf: undefined };
      const buf = new Uint8Array(claim.length);
      const held = unb64(a.held ?? '');
      if (held.length !== a.filled) throw decodeFailed('bad-checkpoint', `${this.format}: ${claim.what} held bytes`, this.format);
      buf.set(held);
      return { claim, filled: a.filled, buf };
    });
  }

  private binding(): (tag: ClaimTag) => Bound {
    if (this.bind === undefined) throw new Error(`${this.format}: the scheduler has no tag binding`);
    return this.bind;
  }

  private bound(t: TaggedClaim, b: Bound): Claim {
    if (b.kind === 'stream')
      return {
        kind: 'stream',
        offset: t.offset,
        length: t.length,
        what: t.what,
        tag: t.tag,
        deliver: b.deliver,
      };
    return { ...t, kind: 'whole', take: b.take };
  }

  /** The upload has ended: every claim must have been met. Releases what is still staged. */
  async finish(): Promise<void> {
    for (const a of this.active) {
      const c = a.claim;
      if (c.kind === 'whole' && c.minLength !== undefined && a.filled >= c.minLength) {
        this.active = this.active.filter((x) => x !== a);
        await c.take((a.buf ?? new Uint8Array(0)).subarray(0, a.filled));
      }
    }
    const missing = this.active[0]?.claim ?? this.pending.peek();
    if (missing !== undefined) {
      throw decodeFailed(
        'truncated',
        `${this.format}: ${missing.what} at ${missing.offset} lies past the end of the upload (${this.position} bytes)`,
        this.format,
      );
    }
    for (const [s, e] of this.staged.all()) await this.sink.releaseStaged(s, e - s);
  }
}

function isShared(c: Claim): boolean {
  return c.kind === 'whole' && c.shared === true;
}
