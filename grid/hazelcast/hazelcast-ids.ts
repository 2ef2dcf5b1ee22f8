/**
 * Id ranges on Hazelcast: the next free id of each sequence sits in one map entry, moved
 * forward with a compare-and-set loop. (FlakeIdGenerator ids pass 2^53, and the CP
 * subsystem's AtomicLong needs three members.) An answer is given only after the member
 * acknowledged the write and its synchronous backup, so a range handed out is never handed
 * out again when one member dies.
 */
import type { IMap } from 'hazelcast-client';
import { RavelError } from '../../core/errors.ts';
import type { IdRange } from '../grid.ts';
import { rangeFrom } from '../grid-arguments.ts';
import { guarded } from './hazelcast-errors.ts';

export const sequencesMap = 'ravel.id-sequences';
const maxRounds = 10_000;

function counter(next: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeDoubleBE(next, 0);
  return b;
}

function readCounter(raw: Buffer): number {
  if (raw.length !== 8) throw new RavelError('CORRUPT', 'an id sequence entry is malformed');
  return raw.readDoubleBE(0);
}

export async function allocateRange(map: IMap<string, Buffer>, sequence: string, count: number): Promise<IdRange> {
  for (let round = 0; round < maxRounds; round++) {
    const raw = await guarded('grid ids', () => map.get(sequence));
    const range = rangeFrom(raw === null ? 1 : readCounter(raw), count);
    const won =
      raw === null
        ? (await guarded('grid ids', () => map.putIfAbsent(sequence, counter(range.after)))) === null
        : await guarded('grid ids', () => map.replaceIfSame(sequence, raw, counter(range.after)));
    if (won) return { first: range.first, count: range.count };
    // Many callers on one sequence: back off a little so they stop colliding in lock-step.
    if (round > 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(round, 20)));
  }
  throw new RavelError('UNAVAILABLE', `id sequence ${sequence} too contended`);
}
