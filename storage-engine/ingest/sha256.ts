/**
 * SHA-256 for ingest. Node's own hash is the fastest but its state cannot be saved; a resumable
 * ingest uses hash-wasm, whose state can be saved into a checkpoint and loaded again.
 */
import { createHash, type Hash } from 'node:crypto';
import { createSHA256 } from 'hash-wasm';
import { RavelError } from '../../core/errors.ts';

export interface Sha256 {
  update(data: Uint8Array): void;
  digestHex(): string;
  /** The state so far as base64, or undefined when this hash cannot be saved. */
  save(): string | undefined;
  /** A second hash that goes on from the state so far, leaving this one as it is. */
  fork(): Promise<Sha256>;
}

export function plainSha256(): Sha256 {
  return plainFrom(createHash('sha256'));
}

function plainFrom(h: Hash): Sha256 {
  return {
    update: (d) => void h.update(d),
    digestHex: () => h.digest('hex'),
    save: () => undefined,
    fork: async () => plainFrom(h.copy()),
  };
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
    digestHex: () => h.digest('hex'),
    save,
    fork: () => resumableSha256(save()),
  };
}

const zeros = new Uint8Array(1024 * 1024);

/** Feeds `count` zero bytes, for the holes of a sparse disk. */
export function updateZeros(h: Sha256, count: number): void {
  let left = count;
  while (left > 0) {
    const n = Math.min(left, zeros.length);
    h.update(zeros.subarray(0, n));
    left -= n;
  }
}
