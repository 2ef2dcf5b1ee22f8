/**
 * An actor's record against what the record store takes (its bucket's `maxValueBytes`). A batch
 * whose record would pass it is refused before anything is written: the record store would
 * refuse it anyway, after the turns had run, and in a batched write shared with other actors
 * (commit-batch.ts) one oversized record refuses the whole batch, theirs too.
 *
 * A batch does not say which of its turns filled the record, so an overfull batch of several
 * turns is answered "try again" (retryable), and the actor's turns are written one at a time
 * from then on while its record stays large: only the turn that overfills it is refused, with
 * QUOTA_EXCEEDED (`reason: 'record-full'`), and every change that fits still lands.
 */
import { RavelError, isRavelError } from '../../core/errors.ts';
import { retryable } from './envelope.ts';

const RECORD_FULL = 'record-full';

/** How long a mark outlives its last overfull batch when the actor is never written again. */
const MARK_TTL_MS = 60 * 60_000;
/** Marks are pruned of expired ones past this many (only actors near the limit are marked). */
const PRUNE_ABOVE = 1024;

export class RecordRoom {
  /** Actor keys whose turns are written one at a time, with when they were marked. */
  private readonly oneByOne = new Map<string, number>();

  constructor(readonly limitBytes: number) {}

  /** QUOTA_EXCEEDED for a record over the limit; called before it is written. */
  check(key: string, recordBytes: number): void {
    if (recordBytes <= this.limitBytes) return;
    throw new RavelError(
      'QUOTA_EXCEEDED',
      `actor ${key} cannot take this change: its record would be ${recordBytes} bytes, over the record store's limit of ${this.limitBytes}; nothing was changed`,
      { details: { reason: RECORD_FULL, recordBytes, limitBytes: this.limitBytes } },
    );
  }

  /** Whether an activation of `key` should write each turn on its own. */
  oneTurnAtATime(key: string, now: number): boolean {
    const at = this.oneByOne.get(key);
    if (at === undefined) return false;
    if (now - at < MARK_TTL_MS) return true;
    this.oneByOne.delete(key);
    return false;
  }

  /**
   * After an overfull batch of `turns` turns: the error its turns are answered with. One turn is
   * the one that overfills; of several, any could be, so they are tried again one at a time.
   */
  overfull(key: string, turns: number, full: RavelError, now: number): RavelError {
    if (turns <= 1) return full;
    if (this.oneByOne.size >= PRUNE_ABOVE) for (const [k, at] of this.oneByOne) if (now - at >= MARK_TTL_MS) this.oneByOne.delete(k);
    this.oneByOne.set(key, now);
    return retryable(`actor ${key}: a batch of ${turns} turns overfilled its record; each is tried again on its own`, RECORD_FULL, {
      limitBytes: this.limitBytes,
    });
  }

  /**
   * After a write of `recordBytes` by an actor written one turn at a time: whether it still is.
   * A record back under half the limit is batched again.
   */
  stillOneByOne(key: string, recordBytes: number): boolean {
    if (recordBytes > this.limitBytes / 2) return true;
    this.oneByOne.delete(key);
    return false;
  }
}

/** The refusal `check` throws (not the retryable answer to a batch). */
export function isRecordFull(e: unknown): e is RavelError {
  return isRavelError(e, 'QUOTA_EXCEEDED') && e.details?.['reason'] === RECORD_FULL;
}
