/** Fresh client-style ids for design entities the server creates (a VM added from the library). */
import { randomBytes } from 'node:crypto';
import { MAX_LOCAL_ID, type LocalId } from '../schemas/common.ts';

/** Draws a number in [0, 2^63): number when safe, bigint beyond, as the codec would decode it. */
export type LocalIdSource = () => LocalId;

export const randomLocalId: LocalIdSource = () => {
  const b = randomBytes(8).readBigUInt64BE() % MAX_LOCAL_ID;
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
};

/** Counts up from `start`: deterministic ids for tests. */
export function sequentialLocalIds(start = 1): LocalIdSource {
  let n = start;
  return () => n++;
}
