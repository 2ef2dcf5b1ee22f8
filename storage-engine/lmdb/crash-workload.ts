/**
 * The writes of the crash test, derived from a seed so that the test process can recompute
 * what a version killed in another process must contain.
 */
import { prng, randomBytesFrom } from '../block-store.conformance.ts';

export const CRASH_TENANT = 'crash-tenant';
export const CRASH_DISK_SIZE = 16 * 64 * 1024 + 1000;

export interface CrashWrite {
  readonly offset: number;
  readonly data: Buffer;
}

export function crashWrites(seed: number, size: number, blockSize: number): CrashWrite[] {
  const rand = prng(seed);
  const writes: CrashWrite[] = [];
  const n = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) {
    const offset = Math.floor(rand() * size);
    const length = Math.min(size - offset, 1 + Math.floor(rand() * blockSize * 3));
    const kind = rand();
    const data =
      kind < 0.2 ? Buffer.alloc(length) : kind < 0.4 ? Buffer.alloc(length, 0x5a) : randomBytesFrom(rand, length);
    writes.push({ offset, data });
  }
  return writes;
}

/** The content of a version: its base's content with the writes applied. */
export function applyWrites(base: Buffer | undefined, size: number, writes: readonly CrashWrite[]): Buffer {
  const out = Buffer.alloc(size);
  base?.copy(out);
  for (const w of writes) w.data.copy(out, w.offset);
  return out;
}
