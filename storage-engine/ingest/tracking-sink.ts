/**
 * Wraps the caller's sink for one disk: enforces the maximum virtual size, refuses writes
 * outside the disk, and hashes the logical disk as it is written when writes arrive in order
 * (holes are hashed as zeros). A write behind the last one switches to a hash pass at the end
 * that reads the disk back through `readLogical`.
 */
import type { DiskSink } from './disk-sink.ts';
import { updateZeros, type Sha256 } from './sha256.ts';
import { decodeFailed, tooLarge } from '../formats/decode-error.ts';
import { RavelError } from '../../core/errors.ts';

const HASH_PASS_PIECE = 4 * 1024 * 1024;

/** The tracker's state, plain data for a checkpoint. */
export interface TrackingState {
  readonly virtualSize: number | undefined;
  readonly cursor: number;
  readonly inOrder: boolean;
}

export class TrackingSink implements DiskSink {
  private size: number | undefined;
  private cursor = 0;
  private inOrder = true;

  constructor(
    private readonly inner: DiskSink,
    private readonly hash: Sha256,
    private readonly maxVirtualSize: number,
    from?: TrackingState,
  ) {
    if (from !== undefined) {
      this.size = from.virtualSize;
      this.cursor = from.cursor;
      this.inOrder = from.inOrder;
      // A resumed sink already holds its size, and may have grown past the checkpoint's.
    }
  }

  get virtualSize(): number | undefined {
    return this.size;
  }

  state(): TrackingState {
    return { virtualSize: this.size, cursor: this.cursor, inOrder: this.inOrder };
  }

  /**
   * The hash state for a checkpoint, or undefined if it cannot be saved. Once writes came out
   * of order the hash is taken by reading the disk back at the end, so there is none to save.
   */
  savedHash(): string | undefined {
    return this.inOrder ? this.hash.save() : '';
  }

  setVirtualSize(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw decodeFailed('bad-size', `bad virtual size ${bytes}`);
    if (bytes > this.maxVirtualSize) {
      throw tooLarge('virtual-size', `virtual size ${bytes} exceeds the maximum of ${this.maxVirtualSize}`);
    }
    if (this.size !== undefined && bytes < this.size) throw decodeFailed('bad-size', 'virtual size shrank');
    this.size = bytes;
    // Resumed, the sink may have grown past the checkpoint before the upload broke off: the
    // bytes that come again rewrite what it holds, and its size stays until passed.
    const held = this.inner.virtualSize;
    if (held === undefined || bytes > held) this.inner.setVirtualSize(bytes);
  }

  async write(logicalOffset: number, data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    if (this.size === undefined || logicalOffset < 0 || logicalOffset + data.length > this.size) {
      throw decodeFailed('outside-disk', `data at logical ${logicalOffset}+${data.length} lies outside the disk`);
    }
    if (this.inOrder) {
      if (logicalOffset < this.cursor) {
        this.inOrder = false;
      } else {
        updateZeros(this.hash, logicalOffset - this.cursor);
        this.hash.update(data);
        this.cursor = logicalOffset + data.length;
      }
    }
    await this.inner.write(logicalOffset, data);
    await this.hash.ready?.();
  }

  stage(uploadOffset: number, data: Uint8Array): Promise<void> {
    return this.inner.stage(uploadOffset, data);
  }
  readStaged(uploadOffset: number, length: number): Promise<Uint8Array> {
    return this.inner.readStaged(uploadOffset, length);
  }
  releaseStaged(uploadOffset: number, length: number): Promise<void> {
    return this.inner.releaseStaged(uploadOffset, length);
  }
  readLogical(logicalOffset: number, length: number): Promise<Uint8Array> {
    return this.inner.readLogical(logicalOffset, length);
  }

  /**
   * SHA-256 of the logical disk followed by `trailer`, leaving the logical hash to finish: the
   * upload's hash when the disk is the upload. Only for a disk written whole and in order.
   */
  async continuedSha256(trailer: Uint8Array): Promise<string> {
    if (!this.inOrder || this.cursor !== this.size) {
      throw new RavelError('INTERNAL', 'the upload hash is taken from a disk that was not written whole and in order');
    }
    return this.hash.digestWith(trailer);
  }

  /** Lets go of the hash of a disk whose ingest failed. */
  close(): void {
    this.hash.close?.();
  }

  /** SHA-256 of the whole logical disk, and whether it needed a pass over the sink. */
  async logicalSha256(fresh: () => Sha256): Promise<{ sha256: string; hashPass: boolean }> {
    const size = this.size ?? 0;
    if (this.inOrder) {
      updateZeros(this.hash, size - this.cursor);
      return { sha256: await this.hash.digestHex(), hashPass: false };
    }
    const h = fresh();
    for (let at = 0; at < size; at += HASH_PASS_PIECE) {
      h.update(await this.inner.readLogical(at, Math.min(HASH_PASS_PIECE, size - at)));
    }
    return { sha256: await h.digestHex(), hashPass: true };
  }
}
