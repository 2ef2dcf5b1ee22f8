/**
 * The map of a version being written (or of a staging area): block writes go to LMDB in
 * batched transactions while the caller goes on, with a bounded amount in flight.
 */
import { RavelError, toRavelError } from '../../core/errors.ts';
import { blockKey, isAllZero, zeros } from './block-hash.ts';
import { emptyDelta, type BlockRefs, type EntryValue } from './block-refs.ts';
import { checkRange, type ChainReader, type TenantRef } from './chain-reader.ts';
import type { Tables, VersionRecord } from './tables.ts';
import { BatchMemory, type ArenaPool } from './block-arenas.ts';

/** Test seams of the engine. */
export interface EngineHooks {
  /** Called after a block is hashed and before the transaction that references it is queued. */
  beforeReference?(tenant: string, key: Buffer): Promise<void> | void;
}

export interface EngineParts {
  readonly tables: Tables;
  readonly refs: BlockRefs;
  readonly reader: ChainReader;
  readonly blockSize: number;
  readonly hooks: EngineHooks;
  readonly arenas: ArenaPool;
}

interface BlockOp {
  readonly index: number;
  /** Zero blocks become 'absent' or a zero mark depending on what the base holds there. */
  readonly value: EntryValue | 'zeros';
}

const BATCH_BYTES = 16 * 1024 * 1024;
const MAX_IN_FLIGHT = 3;

export class BuildingVersion {
  size: number;
  private serial: Promise<unknown> = Promise.resolve();
  private pending: BlockOp[] = [];
  private inFlight: Array<Promise<void>> = [];
  private failure: RavelError | undefined;
  /** The last non-zero block put: its bytes (a copy of our own), key, and copy in this batch. */
  private last: { readonly bytes: Buffer; readonly key: Buffer; kept: Buffer | undefined } | undefined;
  private batch: BatchMemory;
  private readonly batchBlocks: number;

  constructor(
    private readonly parts: EngineParts,
    readonly tenant: TenantRef,
    readonly record: VersionRecord,
  ) {
    this.size = record.size;
    this.batchBlocks = Math.max(1, Math.floor(BATCH_BYTES / parts.blockSize));
    this.batch = new BatchMemory(parts.arenas);
  }

  /** Runs fn after every call made before it has finished. */
  inOrder<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    return this.inOrder(() => this.fill(offset, data.length, (from, to) => data.subarray(from, to)));
  }

  zero(offset: number, length: number): Promise<void> {
    return this.inOrder(() => this.fill(offset, length, (from, to) => zeros(to - from)));
  }

  writeBlock(index: number, data: Uint8Array): Promise<void> {
    const bs = this.parts.blockSize;
    if (data.length !== bs) {
      return Promise.reject(new RavelError('INVALID_ARGUMENT', `a block is ${bs} bytes, not ${data.length}`));
    }
    if (!Number.isSafeInteger(index) || index < 0) {
      return Promise.reject(new RavelError('INVALID_ARGUMENT', `bad block index ${index}`));
    }
    // The last block may reach past the size; only its part inside the size may be non-zero.
    const inside = Math.max(0, Math.min(bs, this.size - index * bs));
    if (inside < bs && !isAllZero(data.subarray(inside))) {
      return Promise.reject(new RavelError('INVALID_ARGUMENT', `block ${index} holds data past the size`));
    }
    return this.write(index * bs, data.subarray(0, inside));
  }

  read(offset: number, length: number): Promise<Buffer> {
    return this.inOrder(async () => {
      await this.drain();
      return this.parts.reader.range(this.tenant, { ...this.record, size: this.size }, offset, length);
    });
  }

  /** Waits until every write so far is committed to LMDB; throws the first failure. */
  drain(): Promise<void> {
    this.submit();
    const all = this.inFlight;
    this.inFlight = [];
    return Promise.all(all).then(() => {
      if (this.failure !== undefined) throw this.failure;
    });
  }

  private async fill(offset: number, length: number, source: (from: number, to: number) => Uint8Array): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    checkRange(offset, length, this.size);
    const bs = this.parts.blockSize;
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      const index = Math.floor(pos / bs);
      const blockStart = index * bs;
      const to = Math.min(end, blockStart + bs);
      let block: Uint8Array;
      if (pos === blockStart && to === blockStart + bs) {
        // A view of the caller's bytes: put() copies what it keeps (most blocks of a disk are
        // zeros or repeats, which need no copy at all).
        block = source(pos - offset, to - offset);
      } else {
        await this.drain();
        const current = this.parts.tables.snapshot((transaction) => {
          const chain = this.parts.reader.chain(this.tenant, this.record, transaction);
          return this.parts.reader.block(this.tenant, chain, index, transaction);
        });
        block = current === null ? Buffer.alloc(bs) : Buffer.from(current);
        block.set(source(pos - offset, to - offset), pos - blockStart);
      }
      await this.put(index, block);
      pos = to;
    }
  }

  private async put(index: number, block: Uint8Array): Promise<void> {
    if (isAllZero(block)) {
      this.pending.push({ index, value: 'zeros' });
    } else {
      // Runs of identical blocks are common (filled regions); a compare is far cheaper than a
      // hash, and a repeat is copied once per batch.
      const last = this.last;
      let key: Buffer;
      let data: Buffer;
      if (last !== undefined && last.bytes.equals(block)) {
        key = last.key;
        last.kept ??= this.batch.keep(block);
        data = last.kept;
      } else {
        key = blockKey(this.tenant.secret, block);
        data = this.batch.keep(block);
        const bytes = last?.bytes.length === block.length ? last.bytes : Buffer.allocUnsafe(block.length);
        bytes.set(block);
        this.last = { bytes, key, kept: data };
      }
      await this.parts.hooks.beforeReference?.(this.tenant.id, key);
      this.pending.push({ index, value: { kind: 'block', key, data } });
    }
    if (this.pending.length >= this.batchBlocks) this.submit();
    while (this.inFlight.length > MAX_IN_FLIGHT) await this.inFlight.shift();
    if (this.failure !== undefined) throw this.failure;
  }

  private submit(): void {
    if (this.pending.length === 0) return;
    const ops = this.pending;
    const memory = this.batch;
    this.pending = [];
    this.batch = new BatchMemory(this.parts.arenas);
    if (this.last !== undefined) this.last.kept = undefined;
    const { tables, refs, reader } = this.parts;
    const done = tables.txn(() => {
      const delta = emptyDelta();
      let baseChain: number[] | undefined;
      for (const op of ops) {
        let value = op.value;
        if (value === 'zeros') {
          baseChain ??= reader.chain(this.tenant, this.record, undefined).slice(1);
          value = reader.resolve(baseChain, op.index, undefined) === null ? { kind: 'absent' } : { kind: 'zero' };
        }
        refs.setEntry(this.tenant.num, this.record.num, op.index, value, delta);
      }
      refs.applyUsage(this.tenant.id, delta);
    });
    this.inFlight.push(
      done
        .then(
          () => undefined,
          (e: unknown) => {
            this.failure ??= toRavelError(e);
          },
        )
        .finally(() => memory.release()),
    );
  }
}
