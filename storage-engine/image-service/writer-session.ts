/**
 * An open writer of the image service: a block-store VersionWriter with a lease on the Clock.
 * Every call renews the lease; when it runs out (the agent that opened it crashed or went
 * silent) the writer is aborted. Calls apply one at a time in the order they arrive, so a
 * commit follows every write sent before it.
 */
import { match } from 'ts-pattern';
import { RavelError } from '../../core/errors.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { VersionInfo, VersionWriter } from '../block-store.ts';
import type { Block, ImageWriter } from './image-service.ts';

export type WriterState =
  | { readonly status: 'open' }
  | { readonly status: 'committed'; readonly version: VersionInfo }
  | { readonly status: 'aborted' }
  | { readonly status: 'expired' };

export interface WriterSessionOptions {
  readonly writerId: string;
  readonly tenant: string;
  readonly imageId: string;
  readonly writer: VersionWriter;
  readonly blockSize: number;
  readonly leaseMs: number;
  readonly clock: Clock;
  /** Runs inside commit, after the version is visible (the image's record is updated there). */
  readonly onCommit: (version: VersionInfo, writtenBlocks: number) => Promise<void>;
  /** Called once the session has ended, however it ended. */
  readonly onEnd: (session: WriterSession) => void;
}

export class WriterSession implements ImageWriter {
  readonly writerId: string;
  readonly versionId: string;
  readonly blockSize: number;
  readonly leaseMs: number;
  private stateNow: WriterState = { status: 'open' };
  private queue: Promise<unknown> = Promise.resolve();
  private lease: TimerHandle | undefined;
  private readonly zero: Uint8Array;
  /** Indexes written with non-zero data: what the version adds to the store. */
  private readonly nonZero = new Set<number>();

  constructor(private readonly o: WriterSessionOptions) {
    this.writerId = o.writerId;
    this.versionId = o.writer.versionId;
    this.blockSize = o.blockSize;
    this.leaseMs = o.leaseMs;
    this.zero = new Uint8Array(o.blockSize);
    this.renew();
  }

  get tenant(): string {
    return this.o.tenant;
  }

  get state(): WriterState {
    return this.stateNow;
  }

  writeBlocks(blocks: readonly Block[]): Promise<void> {
    return this.serial(async () => {
      const last = Math.ceil(this.o.writer.size / this.blockSize);
      for (const b of blocks) {
        if (!Number.isSafeInteger(b.index) || b.index < 0 || b.index >= last) {
          throw new RavelError('INVALID_ARGUMENT', `block ${b.index} is outside the version (${last} blocks)`);
        }
        if (b.data !== null && b.data.length !== this.blockSize) {
          throw new RavelError('INVALID_ARGUMENT', `block ${b.index} has ${b.data.length} bytes, not ${this.blockSize}`);
        }
      }
      for (const b of blocks) {
        await this.o.writer.writeBlock(b.index, b.data ?? this.zero);
        if (b.data === null || isZero(b.data)) this.nonZero.delete(b.index);
        else this.nonZero.add(b.index);
      }
    });
  }

  commit(): Promise<VersionInfo> {
    return this.serial(async () => {
      const version = await this.o.writer.commit();
      this.end({ status: 'committed', version });
      await this.o.onCommit(version, this.nonZero.size);
      return version;
    });
  }

  abort(): Promise<void> {
    return this.serial(async () => {
      this.end({ status: 'aborted' });
      await this.o.writer.abort();
    });
  }

  /** Aborts the writer after its lease ran out; the lease timer calls it. */
  private expire(): void {
    if (this.stateNow.status !== 'open') return;
    this.end({ status: 'expired' });
    void this.o.writer.abort().catch(() => undefined);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      this.ensureOpen();
      this.renew();
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private ensureOpen(): void {
    match(this.stateNow)
      .with({ status: 'open' }, () => undefined)
      .with({ status: 'committed' }, { status: 'aborted' }, ({ status }) => {
        throw new RavelError('ILLEGAL_STATE', `writer ${this.writerId} was ${status}`);
      })
      .with({ status: 'expired' }, () => {
        throw new RavelError('ILLEGAL_STATE', `writer ${this.writerId} was aborted: its lease of ${this.leaseMs} ms ran out`);
      })
      .exhaustive();
  }

  private renew(): void {
    if (this.lease !== undefined) this.o.clock.clearTimeout(this.lease);
    this.lease = this.o.clock.setTimeout(() => this.expire(), this.leaseMs);
  }

  private end(state: WriterState): void {
    this.stateNow = state;
    if (this.lease !== undefined) this.o.clock.clearTimeout(this.lease);
    this.lease = undefined;
    this.o.onEnd(this);
  }
}

export function isZero(data: Uint8Array): boolean {
  for (let i = 0; i < data.length; i += 8192) {
    const part = data.subarray(i, i + 8192);
    if (Buffer.compare(part, ZERO_PAGE.subarray(0, part.length)) !== 0) return false;
  }
  return true;
}

const ZERO_PAGE = new Uint8Array(8192);
