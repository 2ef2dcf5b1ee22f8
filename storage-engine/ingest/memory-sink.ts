/**
 * A DiskSink in memory, for tests and benchmarks: logical bytes in a sparse map of 1 MiB pages,
 * staged bytes as a list of ranges. It counts what it holds so tests can check that staging
 * is released and that nothing is kept after a refusal.
 */
import { RavelError } from '../../core/errors.ts';
import type { DiskSink } from './disk-sink.ts';
import { ownedCopy } from '../../core/owned-bytes.ts';

const PAGE = 1024 * 1024;

interface StagedRange {
  offset: number;
  data: Uint8Array;
}

export class MemorySink implements DiskSink {
  private size: number | undefined;
  private readonly pages = new Map<number, Uint8Array>();
  private staged: StagedRange[] = [];
  /** Most staged bytes held at one time. */
  peakStagedBytes = 0;
  writes = 0;

  get virtualSize(): number | undefined {
    return this.size;
  }

  get stagedBytes(): number {
    return this.staged.reduce((n, r) => n + r.data.length, 0);
  }

  setVirtualSize(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RavelError('INVALID_ARGUMENT', `bad virtual size ${bytes}`);
    if (this.size !== undefined && bytes < this.size) {
      throw new RavelError('INVALID_ARGUMENT', `virtual size ${this.size} cannot shrink to ${bytes}`);
    }
    this.size = bytes;
  }

  async write(logicalOffset: number, data: Uint8Array): Promise<void> {
    this.checkRange(logicalOffset, data.length);
    this.writes++;
    let done = 0;
    while (done < data.length) {
      const at = logicalOffset + done;
      const index = Math.floor(at / PAGE);
      const within = at - index * PAGE;
      const n = Math.min(PAGE - within, data.length - done);
      let page = this.pages.get(index);
      if (page === undefined) {
        page = new Uint8Array(PAGE);
        this.pages.set(index, page);
      }
      page.set(data.subarray(done, done + n), within);
      done += n;
    }
  }

  async readLogical(logicalOffset: number, length: number): Promise<Uint8Array> {
    this.checkRange(logicalOffset, length);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = logicalOffset + done;
      const index = Math.floor(at / PAGE);
      const within = at - index * PAGE;
      const n = Math.min(PAGE - within, length - done);
      const page = this.pages.get(index);
      if (page !== undefined) out.set(page.subarray(within, within + n), done);
      done += n;
    }
    return out;
  }

  async stage(uploadOffset: number, data: Uint8Array): Promise<void> {
    this.staged.push({ offset: uploadOffset, data: ownedCopy(data) });
    this.peakStagedBytes = Math.max(this.peakStagedBytes, this.stagedBytes);
  }

  async readStaged(uploadOffset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let covered = 0;
    for (const r of this.staged) {
      const from = Math.max(uploadOffset, r.offset);
      const to = Math.min(uploadOffset + length, r.offset + r.data.length);
      if (from < to) {
        out.set(r.data.subarray(from - r.offset, to - r.offset), from - uploadOffset);
        covered += to - from;
      }
    }
    if (covered !== length) {
      throw new RavelError('INVALID_ARGUMENT', `staged range ${uploadOffset}+${length} is not fully staged`);
    }
    return out;
  }

  async releaseStaged(uploadOffset: number, length: number): Promise<void> {
    const end = uploadOffset + length;
    const kept: StagedRange[] = [];
    for (const r of this.staged) {
      const rEnd = r.offset + r.data.length;
      if (rEnd <= uploadOffset || r.offset >= end) {
        kept.push(r);
        continue;
      }
      if (r.offset < uploadOffset) kept.push({ offset: r.offset, data: r.data.subarray(0, uploadOffset - r.offset) });
      if (rEnd > end) kept.push({ offset: end, data: r.data.subarray(end - r.offset) });
    }
    this.staged = kept;
  }

  /** The whole logical disk, for tests. */
  async contents(): Promise<Uint8Array> {
    return this.readLogical(0, this.size ?? 0);
  }

  private checkRange(offset: number, length: number): void {
    if (this.size === undefined) throw new RavelError('ILLEGAL_STATE', 'virtual size not set');
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RavelError('INVALID_ARGUMENT', `range ${offset}+${length} is outside the disk (${this.size})`);
    }
  }
}
