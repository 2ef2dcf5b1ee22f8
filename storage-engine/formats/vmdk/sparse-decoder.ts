/**
 * Monolithic sparse VMDK: header, embedded descriptor, grain directory, grain tables, grains.
 * The tables are read through the upload scheduler wherever they lie; grains go straight to
 * the sink as they pass.
 */
import type { DecodedDisk, DecoderInit, FormatDecoder } from '../format.ts';
import { ByteView } from '../bytes.ts';
import { decodeFailed, tooLarge, unsupported } from '../decode-error.ts';
import { UploadScheduler } from '../upload-scheduler.ts';
import { DataRuns } from '../data-runs.ts';
import { checkEmbeddedDescriptor, GD_AT_END, parseSparseHeader, SECTOR, type SparseHeader } from './sparse-header.ts';

const F = 'vmdk-sparse';

export class VmdkSparseDecoder implements FormatDecoder {
  private readonly scheduler: UploadScheduler;
  private readonly runs: DataRuns;
  private capacity = 0;
  private tablesOutstanding = 0;

  constructor(private readonly init: DecoderInit) {
    this.scheduler = new UploadScheduler(init.sink, F, init.limits);
    this.runs = new DataRuns(this.scheduler, init.sink, 'grain');
    void this.scheduler.claim({ kind: 'whole', offset: 0, length: SECTOR, what: 'header', take: (b) => this.header(b) });
  }

  push(chunk: Uint8Array): Promise<void> {
    return this.scheduler.push(chunk);
  }

  async finish(): Promise<DecodedDisk> {
    await this.scheduler.finish();
    return { format: F, virtualSize: this.capacity };
  }

  checkpoint(): undefined {
    return undefined;
  }

  private async header(b: Uint8Array): Promise<void> {
    const h = parseSparseHeader(b, this.init.limits, F);
    if (h.compressed) throw unsupported('compressed-sparse', 'vmdk: compressed grains without markers', F);
    if (h.gdOffset === GD_AT_END) throw decodeFailed('bad-header', 'vmdk: grain directory at the end without markers', F);
    this.capacity = h.capacity;
    this.init.sink.setVirtualSize(h.capacity);
    if (h.descriptorBytes > 0) {
      await this.scheduler.claim({
        kind: 'whole',
        offset: h.descriptorOffset,
        length: h.descriptorBytes,
        what: 'embedded descriptor',
        take: async (d) => checkEmbeddedDescriptor(Buffer.from(d).toString('latin1'), F),
      });
    }
    const gts = Math.ceil(h.capacity / (h.grainBytes * h.gtEntries));
    if (gts * h.gtEntries * 4 > this.init.limits.maxTableBytes) throw tooLarge('table', `vmdk: ${gts} grain tables`, F);
    if (h.gdOffset > BigInt(Math.floor(Number.MAX_SAFE_INTEGER / SECTOR))) throw decodeFailed('out-of-range', 'vmdk: bad directory offset', F);
    this.tablesOutstanding = 1;
    await this.scheduler.claim({
      kind: 'whole',
      offset: Number(h.gdOffset) * SECTOR,
      length: gts * 4,
      what: 'grain directory',
      take: (gd) => this.directory(gd, h),
    });
  }

  private async directory(gd: Uint8Array, h: SparseHeader): Promise<void> {
    const v = new ByteView(gd, 'vmdk grain directory');
    for (let i = 0; i < gd.length / 4; i++) {
      const sector = v.u32le(i * 4);
      if (sector === 0) continue;
      this.tablesOutstanding++;
      const logical = i * h.gtEntries * h.grainBytes;
      await this.scheduler.claim({
        kind: 'whole',
        offset: sector * SECTOR,
        length: h.gtEntries * 4,
        what: `grain table ${i}`,
        take: (gt) => this.table(gt, logical, h),
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
