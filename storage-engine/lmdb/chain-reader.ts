/** Reads through a version's base chain, checking every block against its key. */
import { RavelError } from '../../core/errors.ts';
import { verifyBlock } from './block-hash.ts';
import { KEY_BYTES, blockId, type Tables, type VersionRecord } from './tables.ts';

/** A tenant as the engine needs it: its number in keys and its hash secret. */
export interface TenantRef {
  readonly id: string;
  readonly num: number;
  readonly secret: Buffer;
}

/** A read snapshot, or undefined inside a write transaction (reads then see that transaction). */
type ReadTxn = ReturnType<Tables['env']['useReadTransaction']> | undefined;

function within(transaction: ReadTxn): { transaction?: NonNullable<ReadTxn> } {
  return transaction === undefined ? {} : { transaction };
}

export class ChainReader {
  constructor(
    private readonly t: Tables,
    readonly blockSize: number,
  ) {}

  /** Version numbers from the version itself down its bases. */
  chain(tenant: TenantRef, version: VersionRecord, transaction: ReadTxn): number[] {
    const nums = [version.num];
    let base = version.baseId;
    while (base !== null) {
      const rec = this.t.versions.get([tenant.num, base], within(transaction));
      if (rec === undefined) {
        throw new RavelError('CORRUPT', `version ${version.id} rests on a missing base`, {
          details: { version: version.id },
        });
      }
      nums.push(rec.num);
      base = rec.baseId;
    }
    return nums;
  }

  /** The key of the block at index, or null if it reads as zeros. */
  resolve(chain: readonly number[], index: number, transaction: ReadTxn): Buffer | null {
    for (const num of chain) {
      const entry = this.t.maps.get([num, index], within(transaction));
      if (entry !== undefined) return entry.length === KEY_BYTES ? entry : null;
    }
    return null;
  }

  /** The checked bytes of block index, or null for zeros. */
  block(tenant: TenantRef, chain: readonly number[], index: number, transaction: ReadTxn): Buffer | null {
    const key = this.resolve(chain, index, transaction);
    if (key === null) return null;
    const data = this.t.blocks.get(blockId(tenant.num, key), within(transaction));
    return verifyBlock(tenant.secret, key, data, `block ${index}`);
  }

  /** Bytes [offset, offset + length) of the version, in one consistent snapshot. */
  range(tenant: TenantRef, version: VersionRecord, offset: number, length: number): Buffer {
    checkRange(offset, length, version.size);
    const out = Buffer.alloc(length);
    if (length === 0) return out;
    const bs = this.blockSize;
    this.t.snapshot((transaction) => {
      const chain = this.chain(tenant, version, transaction);
      const first = Math.floor(offset / bs);
      const last = Math.floor((offset + length - 1) / bs);
      for (let i = first; i <= last; i++) {
        const data = this.block(tenant, chain, i, transaction);
        if (data === null) continue;
        const from = Math.max(offset, i * bs);
        const to = Math.min(offset + length, (i + 1) * bs);
        data.copy(out, from - offset, from - i * bs, to - i * bs);
      }
    });
    return out;
  }

  /** One whole block, zeros if unwritten. */
  wholeBlock(tenant: TenantRef, version: VersionRecord, index: number): Buffer {
    const blocks = Math.ceil(version.size / this.blockSize);
    if (!Number.isSafeInteger(index) || index < 0 || index >= blocks) {
      throw new RavelError('INVALID_ARGUMENT', `block ${index} is outside the version (${blocks} blocks)`);
    }
    const data = this.t.snapshot((transaction) =>
      this.block(tenant, this.chain(tenant, version, transaction), index, transaction),
    );
    return data === null ? Buffer.alloc(this.blockSize) : data;
  }
}

export function checkRange(offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RavelError('INVALID_ARGUMENT', 'offset and length must be non-negative integers');
  }
  if (offset + length > size) {
    throw new RavelError('INVALID_ARGUMENT', `range ${offset}+${length} is past the size ${size}`, {
      details: { offset, length, size },
    });
  }
}
