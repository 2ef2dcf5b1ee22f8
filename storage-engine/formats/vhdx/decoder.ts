/**
 * VHDX: the file identifier, two headers (the valid one with the higher sequence number wins),
 * two region tables, then the metadata and BAT regions they point to, and payload blocks the
 * BAT maps. Read through the upload scheduler, so regions may lie in any order. Claims are
 * tagged, so the decoder can checkpoint between chunks.
 */
import type { DecodedDisk, DecoderCheckpoint, DecoderInit, FormatDecoder } from '../format.ts';
import { ByteView, startsWith } from '../bytes.ts';
import { decodeFailed, tooLarge, unsupported } from '../decode-error.ts';
import { UploadScheduler } from '../upload-scheduler.ts';
import { DataRuns } from '../data-runs.ts';
import { KiB, MiB, parseHeader, parseMetadata, parseRegionTable, Region, type RegionEntry, type VhdxMetadata } from './structures.ts';
import * as saved from '../scheduler-checkpoint.ts';

const F = 'vhdx';
const BlockState = { notPresent: 0, undefined: 1, zero: 2, unmapped: 3, fullyPresent: 6, partiallyPresent: 7 } as const;

export class VhdxDecoder implements FormatDecoder {
  private readonly scheduler: UploadScheduler;
  private runs: DataRuns;
  private readonly headers: Array<Uint8Array | undefined> = [undefined, undefined];
  private readonly tables: Array<Uint8Array | undefined> = [undefined, undefined];
  private metadata: VhdxMetadata | undefined;
  private bat: Uint8Array | undefined;

  constructor(
    private readonly init: DecoderInit,
    from?: Readonly<Record<string, unknown>>,
  ) {
    this.scheduler = new UploadScheduler(init.sink, F, init.limits, (tag) => this.bind(tag));
    this.runs = new DataRuns(this.scheduler, init.sink, 'payload block');
    if (from !== undefined) {
      this.restore(from);
      return;
    }
    const claim = (offset: number, length: number, what: string, tag: saved.ClaimTag): void =>
      void this.scheduler.claimTagged({ offset, length, what, tag });
    claim(0, 8, 'file identifier', { t: 'id' });
    claim(64 * KiB, 4 * KiB, 'header 1', { t: 'header', i: 0 });
    claim(128 * KiB, 4 * KiB, 'header 2', { t: 'header', i: 1 });
    claim(192 * KiB, 64 * KiB, 'region table 1', { t: 'region', i: 0 });
    claim(256 * KiB, 64 * KiB, 'region table 2', { t: 'region', i: 1 });
  }

  private bind(tag: saved.ClaimTag): saved.Bound {
    const i = (): number => Math.min(1, saved.tagNumber(tag, 'i', F));
    switch (tag['t']) {
      case 'id':
        return saved.whole(async (b) => {
      if (!startsWith(b, 'vhdxfile')) throw decodeFailed('bad-magic', 'vhdx: no file identifier', F);
        });
      case 'header': {
        const n = i();
        return saved.whole((b) => this.header(n, b));
      }
      case 'region': {
        const n = i();
        return saved.whole((b) => this.regionTable(n, b));
      }
      case 'log':
        return saved.ignored;
      case 'meta':
        return saved.whole((m) => this.meta(m));
      case 'bat':
        return saved.whole((t) => this.table(t));
      case 'run':
        return this.runs.deliver(saved.tagNumber(tag, 'logical', F));
      default:
        throw saved.badCheckpoint(F, 'claim tag');
    }
  }

  /** Structures held in a checkpoint: those whose partner has not arrived yet. */
  checkpoint(): DecoderCheckpoint | undefined {
    const held = (bs: ReadonlyArray<Uint8Array | undefined>): Array<string | null> =>
      bs.map((b) => (b === undefined ? null : saved.b64(b)));
    return this.scheduler.checkpoint(F, {
      headers: held(this.headers),
      tables: held(this.tables),
      ...(this.metadata === undefined ? {} : { metadata: this.metadata }),
      ...(this.bat === undefined ? {} : { bat: saved.b64(this.bat) }),
    });
  }

  private restore(from: Readonly<Record<string, unknown>>): void {
    const held = (x: unknown, into: Array<Uint8Array | undefined>): void => {
      if (!Array.isArray(x) || x.length !== 2) throw saved.badCheckpoint(F, 'held structures');
      x.forEach((b: unknown, i) => {
        if (b !== null && typeof b !== 'string') throw saved.badCheckpoint(F, 'held structures');
        into[i] = b === null ? undefined : saved.unb64(b);
      });
    };
    held(from['headers'], this.headers);
    held(from['tables'], this.tables);
    const m = from['metadata'];
    if (m !== undefined) {
      if (typeof m !== 'object' || m === null) throw saved.badCheckpoint(F, 'metadata');
      const fields = m as Record<string, unknown>;
      const metadata: VhdxMetadata = {
        blockSize: saved.stateCount(fields, 'blockSize', F),
        virtualSize: saved.stateCount(fields, 'virtualSize', F),
        logicalSectorSize: saved.stateCount(fields, 'logicalSectorSize', F),
      };
      if (metadata.blockSize === 0 || metadata.logicalSectorSize === 0) throw saved.badCheckpoint(F, 'metadata');
      this.metadata = metadata;
      this.runs = new DataRuns(this.scheduler, this.init.sink, 'payload block', metadata.virtualSize);
    }
    const bat = from['bat'];
    if (bat !== undefined) {
      if (typeof bat !== 'string') throw saved.badCheckpoint(F, 'bat');
      this.bat = saved.unb64(bat);
    }
    this.scheduler.restore(saved.schedulerStateFrom(from['sched'], F));
  }

  push(chunk: Uint8Array): Promise<void> {
    return this.scheduler.push(chunk);
  }

  async finish(): Promise<DecodedDisk> {
    await this.scheduler.finish();
    if (this.metadata === undefined) throw decodeFailed('truncated', 'vhdx: no metadata', F);
    return { format: F, virtualSize: this.metadata.virtualSize };
  }

  private async header(i: number, b: Uint8Array): Promise<void> {
    this.headers[i] = b;
    const [h1, h2] = this.headers;
    if (h1 === undefined || h2 === undefined) return;
    this.headers.fill(undefined);
    const valid = [parseHeader(h1), parseHeader(h2)].filter((h) => h !== undefined);
    const current = valid.sort((a, b) => (a.sequence < b.sequence ? 1 : -1))[0];
    if (current === undefined) throw decodeFailed('bad-checksum', 'vhdx: neither header is valid', F);
    if (current.logLength > 0) {
      await this.scheduler.claimTagged({
        offset: current.logOffset,
        length: current.logLength,
        what: 'log',
        tag: { t: 'log' },
      });
    }
  }

  private async regionTable(i: number, b: Uint8Array): Promise<void> {
    this.tables[i] = b;
    const [t1, t2] = this.tables;
    if (t1 === undefined || t2 === undefined) return;
    this.tables.fill(undefined);
    const regions = parseRegionTable(t1) ?? parseRegionTable(t2);
    if (regions === undefined) throw decodeFailed('bad-checksum', 'vhdx: neither region table is valid', F);
    const find = (guid: string): RegionEntry => {
      const r = regions.find((x) => x.guid === guid);
      if (r === undefined) throw decodeFailed('missing-region', `vhdx: region ${guid} is missing`, F);
      if (r.length > this.init.limits.maxTableBytes) throw tooLarge('table', `vhdx: region of ${r.length} bytes`, F);
      return r;
    };
    const meta = find(Region.metadata);
    const bat = find(Region.bat);
    await this.scheduler.claimTagged({
      offset: meta.offset,
      length: meta.length,
      what: 'metadata region',
      tag: { t: 'meta' },
    });
    await this.scheduler.claimTagged({
      offset: bat.offset,
      length: bat.length,
      what: 'BAT region',
      tag: { t: 'bat' },
    });
  }

  private async meta(b: Uint8Array): Promise<void> {
    const m = parseMetadata(b);
    if (m.virtualSize > this.init.limits.maxVirtualSize) {
      throw tooLarge('virtual-size', `vhdx: virtual size ${m.virtualSize} exceeds ${this.init.limits.maxVirtualSize}`, F);
    }
    this.metadata = m;
    this.runs = new DataRuns(this.scheduler, this.init.sink, 'payload block', m.virtualSize);
    this.init.sink.setVirtualSize(m.virtualSize);
    if (this.bat !== undefined) await this.blocks(this.bat, m);
  }

  private async table(b: Uint8Array): Promise<void> {
    this.bat = b;
    if (this.metadata !== undefined) await this.blocks(b, this.metadata);
  }

  private async blocks(bat: Uint8Array, m: VhdxMetadata): Promise<void> {
    const v = new ByteView(bat, 'vhdx bat');
    const chunkRatio = (2 ** 23 * m.logicalSectorSize) / m.blockSize;
    const payloadBlocks = Math.ceil(m.virtualSize / m.blockSize);
    const entries = payloadBlocks + Math.floor((payloadBlocks - 1) / chunkRatio);
    if (entries * 8 > bat.length) throw decodeFailed('size-mismatch', 'vhdx: the BAT is too small for the disk', F);
    for (let block = 0; block < payloadBlocks; block++) {
      const e = v.big64le((block + Math.floor(block / chunkRatio)) * 8);
      const state = Number(e & 7n);
      if (state === BlockState.partiallyPresent) throw unsupported('parent', 'vhdx: partially present blocks need a parent', F);
      if (state !== BlockState.fullyPresent) {
        if (state > BlockState.unmapped) throw decodeFailed('bad-bat', `vhdx: block ${block} has state ${state}`, F);
        continue;
      }
      const at = Number(e >> 20n) * MiB;
      if (at < MiB) throw decodeFailed('overlap', `vhdx: block ${block} lies in the header region`, F);
      const logical = block * m.blockSize;
      await this.runs.add(at, logical, m.blockSize);
    }
    await this.runs.flush();
    this.scheduler.tablesComplete();
    // Read: a checkpoint need not carry it any more.
    this.bat = undefined;
  }
}
