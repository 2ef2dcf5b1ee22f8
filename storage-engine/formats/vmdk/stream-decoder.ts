/**
 * Stream-optimized VMDK: a header, then grain markers (LBA, compressed size, zlib data, padded
 * to a sector) and metadata markers (grain tables, directory, footer, end of stream). Grains
 * carry their own LBA, so the disk is written as they pass and the tables at the end are only
 * skipped. qemu-img instead keeps the tables ahead of the grains and writes no end-of-stream
 * marker: those tables are counted as they pass, and the stream may end once every grain they
 * list has come (leading-tables.ts). Its state between chunks is plain data, so an interrupted
 * upload can resume.
 */
import { match } from 'ts-pattern';
import type { DecodedDisk, DecoderCheckpoint, DecoderInit, FormatDecoder } from '../format.ts';
import { ByteView } from '../bytes.ts';
import { decodeFailed, unsupported } from '../decode-error.ts';
import { inflateBounded } from '../inflate.ts';
import { checkEmbeddedDescriptor, parseSparseHeader, SECTOR } from './sparse-header.ts';
import { PendingBytes } from './pending-bytes.ts';
import { checkGrainCount, grainsListed, leadingDirectory, leadingTables, type LeadingTable } from './leading-tables.ts';

const F = 'vmdk-stream';
const MARKER = { eos: 0, gt: 1, gd: 2, footer: 3 } as const;

type Phase =
  | { readonly at: 'header' }
  | { readonly at: 'skip'; readonly until: number; readonly then: 'descriptor' | 'directory' | 'table' | 'marker' }
  | { readonly at: 'descriptor' }
  | { readonly at: 'directory' }
  | { readonly at: 'table' }
  | { readonly at: 'marker' }
  | { readonly at: 'done' };

/** The header fields the decoder keeps. */
interface StreamLayout {
  readonly capacity: number;
  readonly grainBytes: number;
  readonly gtEntries: number;
  readonly zeroGrains: boolean;
  readonly descriptorBytes: number;
  readonly overhead: number;
  /** The grain directory ahead of the grains, if there is one to read in passing. */
  readonly directory: { readonly offset: number; readonly bytes: number } | undefined;
}

export interface StreamState {
  readonly phase: Phase;
  readonly offset: number;
  readonly received: number;
  readonly pending: string;
  readonly layout: StreamLayout;
  /** Leading grain tables not read yet, in upload order. */
  readonly tables: readonly LeadingTable[];
  /** Grains the leading tables list, or -1 without them (the stream must end with its marker). */
  readonly listed: number;
  readonly grains: number;
}

const noLayout: StreamLayout = {
  capacity: 0,
  grainBytes: 0,
  gtEntries: 0,
  zeroGrains: false,
  descriptorBytes: 0,
  overhead: 0,
  directory: undefined,
};

export class VmdkStreamDecoder implements FormatDecoder {
  private phase: Phase = { at: 'header' };
  private readonly input = new PendingBytes();
  private layout = noLayout;
  private tables: readonly LeadingTable[] = [];
  private listed = -1;
  private grains = 0;

  constructor(
    private readonly init: DecoderInit,
    from?: StreamState,
  ) {
    if (from !== undefined) {
      this.phase = from.phase;
      this.input.restore(from.offset, Buffer.from(from.pending, 'base64'), from.received);
      this.layout = from.layout;
      this.tables = from.tables;
      this.listed = from.listed;
      this.grains = from.grains;
    }
  }

  async push(chunk: Uint8Array): Promise<void> {
    this.input.add(chunk);
    while (await this.step()) {
      // each step consumes one structure
    }
  }

  async finish(): Promise<DecodedDisk> {
    const end = this.input.end;
    const atBoundary = this.phase.at === 'marker' && this.input.start === end;
    if (this.phase.at !== 'done' && !(atBoundary && this.listed >= 0)) {
      throw decodeFailed('truncated', `vmdk: the stream ends at ${end} before its end-of-stream marker`, F);
    }
    if (this.listed >= 0) checkGrainCount(this.grains, this.listed, end);
    return { format: F, virtualSize: this.layout.capacity };
  }

  checkpoint(): DecoderCheckpoint {
    const state: StreamState = {
      phase: this.phase,
      offset: this.input.start,
      received: this.input.end,
      pending: Buffer.from(this.input.peekAll()).toString('base64'),
      layout: this.layout,
      tables: this.tables,
      listed: this.listed,
      grains: this.grains,
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
        const d = this.input.take(this.layout.descriptorBytes);
        if (d === undefined) return false;
        checkEmbeddedDescriptor(Buffer.from(d).toString('latin1'), F);
        this.afterDescriptor();
        return true;
      })
      .with({ at: 'directory' }, () => this.directory())
      .with({ at: 'table' }, () => this.table())
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
    const hasDescriptor = h.descriptorBytes > 0 && h.descriptorOffset >= SECTOR;
    const afterDescriptor = hasDescriptor ? h.descriptorOffset + h.descriptorBytes : SECTOR;
    this.layout = {
      capacity: h.capacity,
      grainBytes: h.grainBytes,
      gtEntries: h.gtEntries,
      zeroGrains: h.zeroGrains,
      descriptorBytes: h.descriptorBytes,
      overhead: h.overhead,
      directory: leadingDirectory(h, afterDescriptor, this.init.limits),
    };
    this.init.sink.setVirtualSize(h.capacity);
    if (hasDescriptor) {
      this.phase = { at: 'skip', until: h.descriptorOffset, then: 'descriptor' };
    } else {
      this.afterDescriptor();
    }
    return true;
  }

  private afterDescriptor(): void {
    const gd = this.layout.directory;
    this.phase =
      gd !== undefined && gd.offset >= this.input.start
        ? { at: 'skip', until: gd.offset, then: 'directory' }
        : { at: 'skip', until: Math.max(this.layout.overhead, this.input.start), then: 'marker' };
  }

  private directory(): boolean {
    const gd = this.layout.directory;
    if (gd === undefined) throw decodeFailed('bad-directory', 'vmdk: no grain directory to read', F);
    const b = this.input.take(gd.bytes);
    if (b === undefined) return false;
    const tables = leadingTables(b, this.input.start, this.layout);
    this.tables = tables ?? [];
    this.listed = tables === undefined ? -1 : 0;
    this.nextTable();
    return true;
  }

  private table(): boolean {
    const [t, ...rest] = this.tables;
    if (t === undefined) throw decodeFailed('bad-table', 'vmdk: no grain table to read', F);
    const gt = this.input.take(this.layout.gtEntries * 4);
    if (gt === undefined) return false;
    this.listed += grainsListed(gt, t.entries, this.layout.zeroGrains);
    this.tables = rest;
    this.nextTable();
    return true;
  }

  private nextTable(): void {
    const t = this.tables[0];
    this.phase =
      t === undefined
        ? { at: 'skip', until: Math.max(this.layout.overhead, this.input.start), then: 'marker' }
        : { at: 'skip', until: t.offset, then: 'table' };
  }

  private async marker(): Promise<boolean> {
    const head = this.input.peek(12);
    if (head === undefined) return false;
    const v = new ByteView(head, 'vmdk marker');
    const value = v.u64le(0);
    const size = v.u32le(8);
    if (size > 0) {
      if (size > 2 * this.layout.grainBytes + 1024) throw decodeFailed('bad-grain', `vmdk: compressed grain of ${size} bytes`, F);
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
    const { grainBytes, capacity } = this.layout;
    if (logical % grainBytes !== 0 || logical >= capacity) {
      throw decodeFailed('bad-grain', `vmdk: grain at ${logical} is misaligned or past the disk`, F);
    }
    if (this.listed >= 0 && this.grains >= this.listed) {
      throw decodeFailed('bad-grain', `vmdk: grain at ${logical} is beyond the ${this.listed} grains its tables list`, F);
    }
    const data = inflateBounded(compressed, grainBytes, false, F, `grain at ${logical}`);
    const want = Math.min(grainBytes, capacity - logical);
    if (data.length < want) throw decodeFailed('bad-grain', `vmdk: grain at ${logical} holds ${data.length} bytes`, F);
    this.grains++;
    await this.init.sink.write(logical, data.subarray(0, want));
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / SECTOR) * SECTOR;
}

export function streamStateFrom(state: Readonly<Record<string, unknown>>): StreamState {
  const s = state as Partial<StreamState>;
  const l = (typeof s.layout === 'object' && s.layout !== null ? s.layout : {}) as Partial<StreamLayout>;
  const ok =
    typeof s.phase === 'object' &&
    typeof s.offset === 'number' &&
    typeof s.received === 'number' &&
    typeof s.pending === 'string' &&
    Array.isArray(s.tables) &&
    typeof s.listed === 'number' &&
    typeof s.grains === 'number' &&
    typeof l.capacity === 'number' &&
    typeof l.grainBytes === 'number' &&
    typeof l.gtEntries === 'number' &&
    typeof l.zeroGrains === 'boolean' &&
    typeof l.descriptorBytes === 'number' &&
    typeof l.overhead === 'number';
  if (!ok) throw decodeFailed('bad-checkpoint', 'vmdk checkpoint is malformed', F);
  return s as StreamState;
}
