/**
 * Reads and writes actor records: the durable record in a Bus key-value bucket (the authority)
 * and the hot copy in a grid map (a cache that saves a durable read on activation).
 *
 * Activation claims the record: it writes its lease epoch with compare-and-set on the revision
 * it read, so every later write of an older activation fails its CAS (FENCED). The claim first
 * tries the hot copy's revision: if the CAS succeeds the hot copy was current and the durable
 * read is skipped; if it fails, the durable record is read and the hot copy repaired from it.
 * The hot copy is written after the durable write resolves, so it is never newer than it.
 */
import { RavelError, isRavelError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { KeyValue } from '../../bus/bus.ts';
import type { GridMap } from '../../grid/grid.ts';
import { decodeRecord, encodeRecord, type ActorRecord } from './actor-record.ts';
import { CommitBatcher } from './commit-batch.ts';
import { RecordRoom } from './record-room.ts';

/** The grid's copy: the record's bytes and the durable revision they were written at. */
export interface HotCopy {
  readonly rev: number;
  readonly rec: Uint8Array;
}

export interface ClaimedRecord {
  /** Undefined when the actor has never been written. */
  readonly record: ActorRecord | undefined;
  /** The durable revision to compare-and-set on next; 0 when there is no record yet. */
  readonly revision: number;
  readonly source: 'hot' | 'durable' | 'none';
}

export class RecordStore {
  private readonly hotInFlight = new Set<string>();
  private readonly hotPending = new Map<string, HotCopy>();

  private readonly batcher: CommitBatcher | undefined;
  /** How large a record may be written: what the bucket takes. */
  readonly room: RecordRoom;

  constructor(
    private readonly kv: KeyValue,
    private readonly hot: GridMap<HotCopy>,
    private readonly log: Logger,
    /** Commits of different actors made at the same moment share one batched write. */
    batchCommits = true,
  ) {
    this.batcher = batchCommits ? new CommitBatcher(kv) : undefined;
    this.room = new RecordRoom(kv.maxValueBytes);
  }

  /** Loads the record and fences older activations out. Throws FENCED if a newer one holds it. */
  async claim(key: string, epoch: number): Promise<ClaimedRecord> {
    const hot = await this.readHot(key);
    if (hot !== undefined) {
      const record = decodeRecord(hot.rec);
      refuseNewer(key, record, epoch);
      const claimed = { ...record, epoch };
      const res = await this.kv.update(key, encodeRecord(claimed), hot.rev);
      if (res.ok) {
        this.writeHot(key, res.revision, encodeRecord(claimed));
        return { record: claimed, revision: res.revision, source: 'hot' };
      }
    }
    const entry = await this.kv.get(key);
    if (entry === undefined) {
      // Nothing to fence yet: the first commit creates the record, and fails if another did.
      if (hot !== undefined) this.dropHot(key);
      return { record: undefined, revision: 0, source: 'none' };
    }
    const record = decodeRecord(entry.value);
    refuseNewer(key, record, epoch);
    if (record.epoch === epoch) {
      // Claimed already in this lease term, by an earlier activation on this node.
      this.writeHot(key, entry.revision, entry.value);
      return { record, revision: entry.revision, source: 'durable' };
    }
    const claimed = { ...record, epoch };
    const bytes = encodeRecord(claimed);
    const res = await this.kv.update(key, bytes, entry.revision);
    if (!res.ok) throw fenced(key, 'another activation claimed the record first');
    this.writeHot(key, res.revision, bytes);
    return { record: claimed, revision: res.revision, source: 'durable' };
  }

  /** Writes the record if it is still at `expectedRevision`; FENCED otherwise. Resolves when durable. */
  async commit(key: string, bytes: Uint8Array, expectedRevision: number): Promise<number> {
    const res =
      this.batcher !== undefined
        ? await this.batcher.write(key, bytes, expectedRevision)
        : expectedRevision === 0
          ? await this.kv.create(key, bytes)
          : await this.kv.update(key, bytes, expectedRevision);
    if (!res.ok) throw fenced(key, 'the record was written by a newer activation');
    this.writeHot(key, res.revision, bytes);
    return res.revision;
  }

  /** Resolves when every hot-copy write started so far has been made or given up. */
  async settled(): Promise<void> {
    while (this.hotInFlight.size > 0) await new Promise<void>((r) => setImmediate(r));
  }

  private async readHot(key: string): Promise<HotCopy | undefined> {
    try {
      const hot = await this.hot.get(key);
      return hot !== undefined && typeof hot.rev === 'number' && hot.rec instanceof Uint8Array ? hot : undefined;
    } catch (e) {
      // The grid is only a cache: fall through to the durable record.
      this.log.warn({ err: e, actor: key }, 'hot copy unreadable; reading the durable record');
      return undefined;
    }
  }

  /** Coalesced per key: one write in flight, and only the newest waiting behind it. */
  private writeHot(key: string, rev: number, rec: Uint8Array): void {
    if (this.hotInFlight.has(key)) {
      this.hotPending.set(key, { rev, rec });
      return;
    }
    this.hotInFlight.add(key);
    this.hot.set(key, { rev, rec }).then(
      () => this.nextHot(key),
      (e: unknown) => {
        this.log.warn({ err: e, actor: key }, 'hot copy write failed; it is repaired on the next activation');
        this.nextHot(key);
      },
    );
  }

  private nextHot(key: string): void {
    this.hotInFlight.delete(key);
    const next = this.hotPending.get(key);
    if (next !== undefined) {
      this.hotPending.delete(key);
      this.writeHot(key, next.rev, next.rec);
    }
  }

  private dropHot(key: string): void {
    this.hot.delete(key).catch((e: unknown) => {
      if (!isRavelError(e, 'CLOSED')) this.log.warn({ err: e, actor: key }, 'stale hot copy not deleted');
    });
  }
}

function refuseNewer(key: string, record: ActorRecord, epoch: number): void {
  if (record.epoch > epoch) throw fenced(key, `record claimed at epoch ${record.epoch}, newer than ${epoch}`);
}

export function fenced(key: string, why: string): RavelError {
  return new RavelError('FENCED', `actor ${key} fenced: ${why}`, { details: { retryable: true, reason: 'fenced' } });
}
