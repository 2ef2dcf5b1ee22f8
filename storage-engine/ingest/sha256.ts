/**
 * SHA-256 for ingest. Node's own hash is the fastest but its state cannot be saved; a resumable
 * ingest uses hash-wasm, whose state can be saved into a checkpoint and loaded again.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { OffThreadSha256 } from './off-thread-sha256.ts';
import { createSHA256 } from 'hash-wasm';
import { RavelError } from '../../core/errors.ts';

export interface Sha256 {
  update(data: Uint8Array): void;
  /** Hashes `count` zero bytes where that is cheaper than feeding them (see {@link updateZeros}). */
  updateZeros?(count: number): void;
  /** Where hashing runs elsewhere: resolves once it has room for more (undefined: go on). */
  ready?(): Promise<void> | undefined;
  /** The digest; the hash is finished. */
  digestHex(): Promise<string>;
  /** Drops an unfinished hash (its ingest failed), where that frees something. */
  close?(): void;
  /** The state so far as base64, or undefined when this hash cannot be saved. */
  save(): string | undefined;
  /** The digest of the bytes so far followed by `trailer`, leaving this hash going. */
  digestWith(trailer: Uint8Array): Promise<string>;
}

export function plainSha256(): Sha256 {
  const h = createHash('sha256');
  return {
    update: (d) => void h.update(d),
    digestHex: async () => h.digest('hex'),
    save: () => undefined,
    digestWith: async (trailer) => h.copy().update(trailer).digest('hex'),
  };
}

/**
 * The logical disk's hash when no checkpoint is asked for: on a worker thread, beside the
 * work on this one (see off-thread-sha256.ts), where there is a second core.
 */
export function logicalSha256(): Sha256 {
  return availableParallelism() > 1 ? new OffThreadSha256() : plainSha256();
}

/** A hash whose state can be saved; starts from a saved state when one is given. */
export async function resumableSha256(saved?: string): Promise<Sha256> {
  const h = await createSHA256();
  h.init();
  if (saved !== undefined) {
    try {
      h.load(Buffer.from(saved, 'base64'));
    } catch (e) {
      throw new RavelError('INVALID_ARGUMENT', 'checkpoint holds a bad hash state', { cause: e });
    }
  }
  const save = (): string => Buffer.from(h.save()).toString('base64');
  return {
    update: (d) => void h.update(d),
    digestHex: async () => h.digest('hex'),
    save,
    digestWith: async (trailer) => {
      const copy = await resumableSha256(save());
      copy.update(trailer);
      return copy.digestHex();
    },
  };
}

const zeros = new Uint8Array(1024 * 1024);

/** Feeds `count` zero bytes, for the holes of a sparse disk. */
export function updateZeros(h: Sha256, count: number): void {
  if (h.updateZeros !== undefined) {
    h.updateZeros(count);
    return;
  }
  let left = count;
  while (left > 0) {
    const n = Math.min(left, zeros.length);
    h.update(zeros.subarray(0, n));
    left -= n;
  }
}
