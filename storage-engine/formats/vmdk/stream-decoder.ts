/**
 * Stream-optimized VMDK: a header, then grain markers (LBA, compressed size, zlib data, padded
 * to a sector) and metadata markers (grain tables, directory, footer, end of stream). Grains
 * carry their own LBA, so the disk is written as they pass and the tables at the end are only
 * skipped. Its state between chunks is plain data, so an interrupted upload can resume.
 */
import { match } from 'ts-pattern';
import type { DecodedDisk, DecoderCheckpoint, DecoderInit, FormatDecoder } from '../format.ts';
import { ByteView } from '../bytes.ts';
import { decodeFailed, unsupported } from '../decode-error.ts';
import { inflateBounded } from '../inflate.ts';
import { checkEmbeddedDescriptor, parseSparseHeader, SECTOR } from './sparse-header.ts';
import { PendingBytes } from './pending-bytes.ts';

const F = 'vmdk-stream';
const MARKER = { eos: 0, gt: 1, gd: 2, footer: 3 } as const;

type Phase =
  | { readonly at: 'header' }
  | { readonly at: 'skip'; readonly until: number; readonly then: 'descriptor' | 'marker' }
  | { readonly at: 'descriptor' }
  | { readonly at: 'marker' }
  | { readonly at: 'done' };

export interface StreamState {
  readonly phase: Phase;
  readonly offset: number;
  readonly received: number;
  readonly pending: string;
  readonly capacity: number;
  readonly grainBytes: number;
  readonly descriptorBytes: number;
  readonly overhead: number;
}

export class VmdkStreamDecoder implements FormatDecoder {
  private phase: Phase = { at: 'header' };
  private readonly input = new PendingBytes();
  private capacity = 0;
  private grainBytes = 0;
  private descriptorBytes = 0;
  private overhead = 0;

  constructor(
    private readonly init: DecoderInit,
    from?: StreamState,
  ) {
    if (from !== undefined) {
      this.phase = from.phase;
      this.input.restore(from.offset, Buffer.from(from.pending, 'base64'), from.received);
      this.capacity = from.capacity;
      this.grainBytes = from.grainBytes;
      this.descriptorBytes = from.descriptorBytes;
      this.overhead = from.overhead;
    }
  }

  async push(chunk: Uint8Array): Promise<void> {
    this.input.add(chunk);
    while (await this.step()) {
      // each step consumes one structure
    }
  }

  async finish(): Promise<DecodedDisk> {
    if (this.phase.at !== 'done') {
      throw decodeFailed('truncated', `vmdk: the stream ends at ${this.input.end} before its end-of-stream marker`, F);
    }
    return { format: F, virtualSize: this.capacity };
  }

  checkpoint(): DecoderCheckpoint {
    const state: StreamState = {
      phase: this.phase,
      offset: this.input.start,
      received: this.input.end,
      pending: Buffer.from(this.input.peekAll()).toString('base64'),
      capacity: this.capacity,
      grainBytes: this.grainBytes,
      descriptorBytes: this.descriptorBytes,
      overhead: this.overhead,
    };
    return { format: F, uploadOffset: this.input.end, state: { ...state } };
  }

  /** Consumes one structure if its bytes are there; false when more input is needed. */
  private async step(): Promise<boolean> {
    return match(this.phase)
      .with({ at: 'header' }, () => this.header())
      .with({ at: 'skip' }, (p) => {
        this.input.skipTo(p.until);
        this.phase = { at: p.then };
        return true;
      })
      .with({ at: 'descriptor' }, () => {
        const d = this.input.take(this.descriptorBytes);
        if (d === undefined) return false;
        checkEmbeddedDescriptor(Buffer.from(d).toString('latin1'), F);
        this.phase = { at: 'skip', until: Math.max(this.overhead, this.input.start), then: 'marker' };
        return true;
      })
      .with({ at: 'marker' }, () => this.marker())
      .with({ at: 'done' }, () => {
        this.input.skipTo(this.input.end);
        return false;
      })
      .exhaustive();
  }

  private header(): boolean {
    const b = this.input.take(SECTOR);
    if (b === undefined) return false;
    const h = parseSparseHeader(b, this.init.limits, F);
    if (!h.markers || !h.compressed) throw unsupported('stream-flags', 'vmdk: markers without compression', F);
    this.capacity = h.capacity;
    this.grainBytes = h.grainBytes;
    this.descriptorBytes = h.descriptorBytes;
    this.overhead = h.overhead;
    this.init.sink.setVirtualSize(h.capacity);
    this.phase =
      h.descriptorBytes > 0 && h.descriptorOffset >= SECTOR
        ? { at: 'skip', until: h.descriptorOffset, then: 'descriptor' }
        : { at: 'skip', until: Math.max(h.overhead, SECTOR), then: 'marker' };
    return true;
  }

  private async marker(): Promise<boolean> {
    const head = this.input.peek(12);
    if (head === undefined) return false;
    const v = new ByteView(head, 'vmdk marker');
    const value = v.u64le(0);
    const size = v.u32le(8);
    if (size > 0) {
      if (size > 2 * this.grainBytes + 1024) throw decodeFailed('bad-grain', `vmdk: compressed grain of ${size} bytes`, F);
      const at = this.input.start;
      const grain = this.input.take(12 + size);
      if (grain === undefined) return false;
      await this.grain(value * SECTOR, grain.subarray(12));
      this.phase = { at: 'skip', until: alignUp(at + 12 + size), then: 'marker' };
      return true;
    }
    const sector = this.input.take(SECTOR);
    if (sector === undefined) return false;
    const type = new ByteView(sector, 'vmdk marker').u32le(12);
    if (type === MARKER.eos) {
      this.phase = { at: 'done' };
      return true;
    }
    if (type !== MARKER.gt && type !== MARKER.gd && type !== MARKER.footer) {
      throw decodeFailed('bad-marker', `vmdk: unknown marker type ${type}`, F);
    }
    this.phase = { at: 'skip', until: this.input.start + value * SECTOR, then: 'marker' };
    return true;
  }

  private async grain(logical: number, compressed: Uint8Array): Promise<void> {
    if (logical % this.grainBytes !== 0 || logical >= this.capacity) {
      throw decodeFailed('bad-grain', `vmdk: grain at ${logical} is misaligned or past the disk`, F);
    }
    const data = inflateBounded(compressed, this.grainBytes, false, F, `grain at ${logical}`);
    const want = Math.min(this.grainBytes, this.capacity - logical);
    if (data.length < want) throw decodeFailed('bad-grain', `vmdk: grain at ${logical} holds ${data.length} bytes`, F);
    await this.init.sink.write(logical, data.subarray(0, want));
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / SECTOR) * SECTOR;
}

export function streamStateFrom(state: Readonly<Record<string, unknown>>): StreamState {
  const s = state as Partial<StreamState>;
  const ok =
    typeof s.phase === 'object' &&
    typeof s.offset === 'number' &&
    typeof s.received === 'number' &&
    typeof s.pending === 'string' &&
    typeof s.capacity === 'number' &&
    typeof s.grainBytes === 'number' &&
    typeof s.descriptorBytes === 'number' &&
    typeof s.overhead === 'number';
  if (!ok) throw decodeFailed('bad-checkpoint', 'vmdk checkpoint is malformed', F);
  return s as StreamState;
}
