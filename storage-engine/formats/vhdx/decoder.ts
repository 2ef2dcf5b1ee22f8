/**
 * VHDX: the file identifier, two headers (the valid one with the higher sequence number wins),
 * two region tables, then the metadata and BAT regions they point to, and payload blocks the
 * BAT maps. Read through the upload scheduler, so regions may lie in any order.
 */
import type { DecodedDisk, DecoderInit, FormatDecoder } from '../format.ts';
import { ByteView, startsWith } from '../bytes.ts';
import { decodeFailed, tooLarge, unsupported } from '../decode-error.ts';
import { UploadScheduler } from '../upload-scheduler.ts';
import { DataRuns } from '../data-runs.ts';
import { KiB, MiB, parseHeader, parseMetadata, parseRegionTable, Region, type RegionEntry, type VhdxMetadata } from './structures.ts';

const F = 'vhdx';
const BlockState = { notPresent: 0, undefined: 1, zero: 2, unmapped: 3, fullyPresent: 6, partiallyPresent: 7 } as const;

export class VhdxDecoder implements FormatDecoder {
  private readonly scheduler: UploadScheduler;
  private runs: DataRuns;
  private readonly headers: Array<Uint8Array | undefined> = [undefined, undefined];
  private readonly tables: Array<Uint8Array | undefined> = [undefined, undefined];
  private metadata: VhdxMetadata | undefined;
  private bat: Uint8Array | undefined;

  constructor(private readonly init: DecoderInit) {
    this.scheduler = new UploadScheduler(init.sink, F, init.limits);
    this.runs = new DataRuns(this.scheduler, init.sink, 'payload block');
    const whole = (offset: number, length: number, what: string, take: (b: Uint8Array) => Promise<void>): void =>
      void this.scheduler.claim({ kind: 'whole', offset, length, what, take });
    whole(0, 8, 'file identifier', async (b) => {
      if (!startsWith(b, 'vhdxfile')) throw decodeFailed('bad-magic', 'vhdx: no file identifier', F);
    });
    whole(64 * KiB, 4 * KiB, 'header 1', (b) => this.header(0, b));
    whole(128 * KiB, 4 * KiB, 'header 2', (b) => this.header(1, b));
    whole(192 * KiB, 64 * KiB, 'region table 1', (b) => this.regionTable(0, b));
    whole(256 * KiB, 64 * KiB, 'region table 2', (b) => this.regionTable(1, b));
  }

  push(chunk: Uint8Array): Promise<void> {
    return this.scheduler.push(chunk);
  }

  async finish(): Promise<DecodedDisk> {
    await this.scheduler.finish();
    if (this.metadata === undefined) throw decodeFailed('truncated', 'vhdx: no metadata', F);
    return { format: F, virtualSize: this.metadata.virtualSize };
  }

  checkpoint(): undefined {
    return undefined;
  }

  private async header(i: number, b: Uint8Array): Promise<void> {
    this.headers[i] = b;
    const [h1, h2] = this.headers;
    if (h1 === undefined || h2 === undefined) return;
    const valid = [parseHeader(h1), parseHeader(h2)].filter((h) => h !== undefined);
    const current = valid.sort((a, b) => (a.sequence < b.sequence ? 1 : -1))[0];
    if (current === undefined) throw decodeFailed('bad-checksum', 'vhdx: neither header is valid', F);
    if (current.logLength > 0) {
      await this.scheduler.claim({ kind: 'stream', offset: current.logOffset, length: current.logLength, what: 'log', deliver: async () => {} });
    }
  }

  private async regionTable(i: number, b: Uint8Array): Promise<void> {
    this.tables[i] = b;
    const [t1, t2] = this.tables;
    if (t1 === undefined || t2 === undefined) return;
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
    await this.scheduler.claim({ kind: 'whole', offset: meta.offset, length: meta.length, what: 'metadata region', take: (m) => this.meta(m) });
    await this.scheduler.claim({ kind: 'whole', offset: bat.offset, length: bat.length, what: 'BAT region', take: (t) => this.table(t) });
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
  }
}
