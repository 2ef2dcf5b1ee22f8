/**
 * Appending events to a tenant's stream exactly once, in order, without the appender writing its
 * own state per append (tenant-event-log.ts says why this is enough).
 *
 * A `StreamCursor` is what an organization knows of its stream: the records up to
 * `nextSequence - 1` and, for each origin, the last number among them. It is always a true
 * account of some prefix of the stream, so an old one is behind but never wrong: an append made
 * from it expects the stream to end where the cursor does, and when the stream has moved on
 * (another activation appended, or this one crashed after appending and before its commit) the
 * append is refused, the cursor reads what it missed, and what is already there is skipped.
 */
import { RavelError, isRavelError } from '../core/errors.ts';
import type { EventRecord } from '../domain/events.ts';
import type { EventOrigin, TenantEventLog } from './tenant-event-log.ts';

/** A record waiting to be appended: everything but its sequence, which the stream's end decides. */
export interface QueuedEvent {
  readonly origin: EventOrigin;
  readonly record: Omit<EventRecord, 'sequence'>;
}

/** A checkpoint's mark: an origin and the last of its numbers the stream holds (pairs, not a map: msgpack maps stop at 65,535 keys). */
export type Mark = readonly [source: string, seq: number];

/** How often an append may be refused in a row before the stream is taken to be contended. */
const MAX_CATCH_UPS = 8;

export class StreamCursor {
  /** True while one append runs on it: a second (a stale activation on this node) works on a copy. */
  busy = false;

  constructor(
    readonly tenantId: number,
    public nextSequence: number,
    private readonly marks: Map<string, number>,
  ) {}

  static fromCheckpoint(tenantId: number, nextSequence: number, taken: readonly Mark[]): StreamCursor {
    return new StreamCursor(tenantId, nextSequence, new Map(taken));
  }

  /** The last number of `source` the stream holds, as far as the cursor knows; 0 for none. */
  mark(source: string): number {
    return this.marks.get(source) ?? 0;
  }

  /** How many origins the cursor remembers. */
  get size(): number {
    return this.marks.size;
  }

  /**
   * The cursor as plain data, to keep in state (a checkpoint that shortens the catch-up after a
   * failover), with the marks of the origins `keep` names only: the caller drops an origin that
   * can send nothing the stream does not hold (org-events.ts: a deleted application).
   */
  checkpoint(keep: (source: string) => boolean = () => true): { nextSequence: number; taken: Mark[] } {
    const taken: Mark[] = [];
    for (const [source, seq] of this.marks) if (keep(source)) taken.push([source, seq]);
    return { nextSequence: this.nextSequence, taken };
  }

  /**
   * Forgets the marks of the origins `keep` does not name. The cursor then no longer knows those
   * origins' events are in the stream: the caller must be sure, from written state, that none of
   * them sends again anything the stream does not hold.
   */
  forget(keep: (source: string) => boolean): void {
    for (const source of this.marks.keys()) if (!keep(source)) this.marks.delete(source);
  }

  /** Records that `origin` sits at `sequence`, the next record of the prefix the cursor knows. */
  private learn(sequence: number, origin: EventOrigin | undefined): void {
    this.nextSequence = sequence + 1;
    if (origin !== undefined && origin.seq > this.mark(origin.source)) this.marks.set(origin.source, origin.seq);
  }

  /** Reads the records appended since the cursor's end and learns their origins. */
  async catchUp(log: TenantEventLog): Promise<void> {
    for await (const a of log.readOrigins(this.tenantId, this.nextSequence)) {
      if (a.sequence !== this.nextSequence) throw new RavelError('CORRUPT', `tenant ${this.tenantId}'s stream skips from ${this.nextSequence - 1} to ${a.sequence}`);
      this.learn(a.sequence, a.origin);
    }
  }

  /**
   * Appends each event the stream does not hold yet, in the order given, each at the stream's
   * end. An event whose origin number is at or below its origin's mark is already there.
   * Resolves once all are stored; a throw leaves the cursor true to what did land.
   */
  async append(log: TenantEventLog, events: readonly QueuedEvent[]): Promise<void> {
    for (const e of events) {
      for (let refused = 0; e.origin.seq > this.mark(e.origin.source); ) {
        const record: EventRecord = { ...e.record, sequence: this.nextSequence, tenantId: this.tenantId };
        try {
          await log.append(record, e.origin);
        } catch (err) {
          if (!isRavelError(err, 'CONFLICT') || ++refused > MAX_CATCH_UPS) throw err;
          await this.catchUp(log);
          continue;
        }
        this.learn(record.sequence, e.origin);
      }
    }
  }

  copy(): StreamCursor {
    return new StreamCursor(this.tenantId, this.nextSequence, new Map(this.marks));
  }
}

/**
 * The cursors of the organizations active on this node, kept in memory between turns: appending
 * forwarded events then costs no state write. Lost with the node; a new activation starts from
 * the checkpoint in its state and catches up on its first refused append.
 */
export class StreamCursors {
  private readonly cursors = new Map<number, StreamCursor>();

  /** `limit`: tenants remembered; past it the least recently used is forgotten (and re-read from its checkpoint). */
  constructor(private readonly limit = 10_000) {}

  /**
   * Runs `fn` with the best cursor known for the tenant: this node's, or the checkpoint in the
   * state (`checkpointNext`, built by `fromCheckpoint` only when used) when that is further on
   * (the actor ran elsewhere since). A cursor in use by another turn (a stale activation on
   * this node) is not shared: `fn` gets a copy.
   */
  async with<T>(tenantId: number, checkpointNext: number, fromCheckpoint: () => StreamCursor, fn: (c: StreamCursor) => Promise<T>): Promise<T> {
    const kept = this.cursors.get(tenantId);
    let cursor: StreamCursor;
    if (kept !== undefined && kept.nextSequence >= checkpointNext) cursor = kept.busy ? kept.copy() : kept;
    else cursor = fromCheckpoint();
    if (kept === undefined || !kept.busy) this.remember(cursor);
    cursor.busy = true;
    try {
      return await fn(cursor);
    } finally {
      cursor.busy = false;
    }
  }

  /** How many origins the tenant's cursor on this node remembers; undefined when it has none. */
  marksOf(tenantId: number): number | undefined {
    return this.cursors.get(tenantId)?.size;
  }

  private remember(cursor: StreamCursor): void {
    this.cursors.delete(cursor.tenantId);
    this.cursors.set(cursor.tenantId, cursor);
    if (this.cursors.size <= this.limit) return;
    const oldest = this.cursors.keys().next();
    if (oldest.done !== true) this.cursors.delete(oldest.value);
  }
}
