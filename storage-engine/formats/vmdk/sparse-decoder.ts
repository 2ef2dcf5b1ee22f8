/**
 * Monolithic sparse VMDK: header, embedded descriptor, grain directory, grain tables, grains.
 * The tables are read through the upload scheduler wherever they lie; grains go straight to
 * the sink as they pass. Claims are tagged, so the decoder can checkpoint between chunks.
 */
import type { DecodedDisk, DecoderCheckpoint, DecoderInit, FormatDecoder } from '../format.ts';
import { ByteView } from '../bytes.ts';
import { decodeFailed, tooLarge, unsupported } from '../decode-error.ts';
import { UploadScheduler } from '../upload-scheduler.ts';
import { DataRuns } from '../data-runs.ts';
import { checkEmbeddedDescriptor, GD_AT_END, parseSparseHeader, SECTOR, type SparseHeader } from './sparse-header.ts';
import * as saved from '../scheduler-checkpoint.ts';

const F = 'vmdk-sparse';

export class VmdkSparseDecoder implements FormatDecoder {
  private readonly scheduler: UploadScheduler;
  private readonly runs: DataRuns;
  private capacity = 0;
  private tablesOutstanding = 0;
  /** The header sector and what it says, once read. */
  private parsed: { readonly sector: Uint8Array; readonly h: SparseHeader } | undefined;

  constructor(
    private readonly init: DecoderInit,
    from?: Readonly<Record<string, unknown>>,
  ) {
    this.scheduler = new UploadScheduler(init.sink, F, init.limits, (tag) => this.bind(tag));
    this.runs = new DataRuns(this.scheduler, init.sink, 'grain');
    if (from === undefined) {
      void this.scheduler.claimTagged({
        offset: 0,
        length: SECTOR,
        what: 'header',
        tag: { t: 'header' },
      });
      return;
    }
    this.capacity = saved.stateCount(from, 'capacity', F);
    this.tablesOutstanding = saved.stateCount(from, 'tablesOutstanding', F);
    const sector = saved.stateBytes(from, 'header', F);
    // Parsed again, so a checkpoint cannot carry a header the parser would refuse.
    if (sector !== undefined) this.parsed = { sector, h: parseSparseHeader(sector, init.limits, F) };
    this.scheduler.restore(saved.schedulerStateFrom(from['sched'], F));
  }

  private bind(tag: saved.ClaimTag): saved.Bound {
    const h = (): SparseHeader => {
      if (this.parsed === undefined) throw saved.badCheckpoint(F, 'header');
      return this.parsed.h;
    };
    switch (tag['t']) {
      case 'header':
        return saved.whole((b) => this.header(b));
      case 'descriptor':
        return saved.whole(async (d) => checkEmbeddedDescriptor(Buffer.from(d).toString('latin1'), F));
      case 'gd':
        return saved.whole((gd) => this.directory(gd, h()));
      case 'gt': {
        const base = saved.tagNumber(tag, 'base', F);
        return saved.whole((gt) => this.table(gt, base, h()));
      }
      case 'run':
        return this.runs.deliver(saved.tagNumber(tag, 'logical', F));
      default:
        throw saved.badCheckpoint(F, 'claim tag');
    }
  }

  push(chunk: Uint8Array): Promise<void> {
    return this.scheduler.push(chunk);
  }

  async finish(): Promise<DecodedDisk> {
    await this.scheduler.finish();
    return { format: F, virtualSize: this.capacity };
  }

  checkpoint(): DecoderCheckpoint | undefined {
    const header = this.parsed === undefined ? {} : { header: saved.b64(this.parsed.sector) };
    return this.scheduler.checkpoint(F, {
      ...header,
      capacity: this.capacity,
      tablesOutstanding: this.tablesOutstanding,
    });
  }

  private async header(b: Uint8Array): Promise<void> {
    const h = parseSparseHeader(b, this.init.limits, F);
    this.parsed = { sector: b, h };
    if (h.compressed) throw unsupported('compressed-sparse', 'vmdk: compressed grains without markers', F);
    if (h.gdOffset === GD_AT_END) throw decodeFailed('bad-header', 'vmdk: grain directory at the end without markers', F);
    this.capacity = h.capacity;
    this.init.sink.setVirtualSize(h.capacity);
    if (h.descriptorBytes > 0) {
      await this.scheduler.claimTagged({
        offset: h.descriptorOffset,
        length: h.descriptorBytes,
        what: 'embedded descriptor',
        tag: { t: 'descriptor' },
      });
    }
    const gts = Math.ceil(h.capacity / (h.grainBytes * h.gtEntries));
    if (gts * h.gtEntries * 4 > this.init.limits.maxTableBytes) throw tooLarge('table', `vmdk: ${gts} grain tables`, F);
    if (h.gdOffset > BigInt(Math.floor(Number.MAX_SAFE_INTEGER / SECTOR))) throw decodeFailed('out-of-range', 'vmdk: bad directory offset', F);
    this.tablesOutstanding = 1;
    await this.scheduler.claimTagged({
      offset: Number(h.gdOffset) * SECTOR,
      length: gts * 4,
      what: 'grain directory',
      tag: { t: 'gd' },
    });
  }

  private async directory(gd: Uint8Array, h: SparseHeader): Promise<void> {
    const v = new ByteView(gd, 'vmdk grain directory');
    for (let i = 0; i < gd.length / 4; i++) {
      const sector = v.u32le(i * 4);
      if (sector === 0) continue;
      this.tablesOutstanding++;
      const logical = i * h.gtEntries * h.grainBytes;
      await this.scheduler.claimTagged({
        offset: sector * SECTOR,
        length: h.gtEntries * 4,
        what: `grain table ${i}`,
        tag: { t: 'gt', base: logical },
      });
    }
    this.tableDone();
  }

  private async table(gt: Uint8Array, base: number, h: SparseHeader): Promise<void> {
    const v = new ByteView(gt, 'vmdk grain table');
    for (let j = 0; j < h.gtEntries; j++) {
      const sector = v.u32le(j * 4);
      const logical = base + j * h.grainBytes;
      if (sector === 0 || (sector === 1 && h.zeroGrains) || logical >= this.capacity) continue;
      await this.runs.add(sector * SECTOR, logical, Math.min(h.grainBytes, this.capacity - logical));
    }
    await this.runs.flush();
    this.tableDone();
  }

  private tableDone(): void {
    if (--this.tablesOutstanding === 0) this.scheduler.tablesComplete();
  }
}
