/**
 * Dynamic VHD: a footer copy at 0, the dynamic header (`cxsparse`) it points to, the block
 * allocation table, and blocks of a sector bitmap followed by data. Sectors whose bitmap bit is
 * clear read as zeros. Tables are read through the upload scheduler, so their order in the
 * file does not matter. Claims are tagged, so the decoder can checkpoint between chunks.
 */
import type { DecodedDisk, DecoderCheckpoint, DecoderInit, FormatDecoder } from '../format.ts';
import type { DiskSink } from '../../ingest/disk-sink.ts';
import { ByteView, startsWith } from '../bytes.ts';
import { decodeFailed, tooLarge } from '../decode-error.ts';
import { UploadScheduler } from '../upload-scheduler.ts';
import { TailBytes } from '../tail-bytes.ts';
import { parseVhdFooter, vhdChecksum, VhdDiskType, VHD_FOOTER_SIZE } from './footer.ts';
import * as saved from '../scheduler-checkpoint.ts';

const F = 'vhd-dynamic';
const SECTOR = 512;
const HEADER_SIZE = 1024;
const UNUSED = 0xffffffff;

export class VhdDynamicDecoder implements FormatDecoder {
  private readonly sink: DiskSink;
  private readonly scheduler: UploadScheduler;
  private virtualSize = 0;
  private blocksOutstanding = 0;
  private readonly tail: TailBytes;
  private head: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly init: DecoderInit,
    from?: Readonly<Record<string, unknown>>,
  ) {
    this.sink = init.sink;
    this.scheduler = new UploadScheduler(init.sink, F, init.limits, (tag) => this.bind(tag));
    if (from === undefined) {
      this.tail = new TailBytes(VHD_FOOTER_SIZE);
      void this.scheduler.claimTagged({
        offset: 0,
        length: VHD_FOOTER_SIZE,
        what: 'footer copy',
        tag: { t: 'footer' },
      });
      return;
    }
    this.tail = new TailBytes(VHD_FOOTER_SIZE, saved.unb64(saved.tagString(from, 'tail', F)));
    this.head = saved.unb64(saved.tagString(from, 'head', F));
    this.virtualSize = saved.stateCount(from, 'virtualSize', F);
    this.blocksOutstanding = saved.stateCount(from, 'blocksOutstanding', F);
    this.scheduler.restore(saved.schedulerStateFrom(from['sched'], F));
  }

  private bind(tag: saved.ClaimTag): saved.Bound {
    const n = (name: string): number => saved.tagNumber(tag, name, F);
    switch (tag['t']) {
      case 'footer':
        return saved.whole((b) => this.footer(b));
      case 'header':
        return saved.whole((h) => this.header(h));
      case 'bat': {
        const needed = n('needed');
        const blockSize = n('blockSize');
        return saved.whole((bat) => this.bat(bat, needed, blockSize));
      }
      case 'bitmap': {
        const at = n('at');
        const logical = n('logical');
        const length = n('length');
        return saved.whole((bitmap) => this.block(bitmap, at, logical, length));
      }
      case 'block':
        return this.blockData(saved.unb64(saved.tagString(tag, 'bitmap', F)), n('logical'));
      default:
        throw saved.badCheckpoint(F, 'claim tag');
    }
  }

  push(chunk: Uint8Array): Promise<void> {
    this.tail.add(chunk);
    return this.scheduler.push(chunk);
  }

  async finish(): Promise<DecodedDisk> {
    await this.scheduler.finish();
    if (!Buffer.from(this.tail.bytes).equals(this.head)) {
      throw decodeFailed('truncated', 'vhd: the upload does not end with the footer', F);
    }
    return { format: F, virtualSize: this.virtualSize };
  }

  checkpoint(): DecoderCheckpoint | undefined {
    return this.scheduler.checkpoint(F, {
      tail: saved.b64(this.tail.bytes),
      head: saved.b64(this.head),
      virtualSize: this.virtualSize,
      blocksOutstanding: this.blocksOutstanding,
    });
  }

  private async footer(b: Uint8Array): Promise<void> {
    const f = parseVhdFooter(b);
    this.head = b;
    if (f.diskType !== VhdDiskType.dynamic) throw decodeFailed('bad-disk-type', 'vhd: a fixed footer at the start', F);
    this.virtualSize = f.currentSize;
    this.sink.setVirtualSize(f.currentSize);
    if (f.dataOffset > BigInt(Number.MAX_SAFE_INTEGER)) throw decodeFailed('out-of-range', 'vhd: bad header offset', F);
    const at = Number(f.dataOffset);
    await this.scheduler.claimTagged({
      offset: at,
      length: HEADER_SIZE,
      what: 'dynamic header',
      tag: { t: 'header' },
    });
  }

  private async header(h: Uint8Array): Promise<void> {
    const v = new ByteView(h, 'vhd dynamic header');
    if (!startsWith(h, 'cxsparse')) throw decodeFailed('bad-magic', 'vhd: dynamic header has no cxsparse cookie', F);
    if (vhdChecksum(h, 36, HEADER_SIZE) !== v.u32be(36)) throw decodeFailed('bad-checksum', 'vhd: dynamic header checksum does not match', F);
    const tableOffset = v.u64be(16);
    const entries = v.u32be(28);
    const blockSize = v.u32be(32);
    if (blockSize < SECTOR || (blockSize & (blockSize - 1)) !== 0 || blockSize > 256 * 1024 * 1024) {
      throw decodeFailed('bad-block-size', `vhd: block size ${blockSize} is not a power of two`, F);
    }
    if (entries * blockSize < this.virtualSize) {
      throw decodeFailed('size-mismatch', 'vhd: the block table is too small for the disk size', F);
    }
    const needed = Math.ceil(this.virtualSize / blockSize);
    if (entries * 4 > this.init.limits.maxTableBytes) throw tooLarge('table', `vhd: block table of ${entries} entries`, F);
    await this.scheduler.claimTagged({
      offset: tableOffset,
      length: entries * 4,
      what: 'block allocation table',
      tag: { t: 'bat', needed, blockSize },
    });
  }

  private async bat(bat: Uint8Array, needed: number, blockSize: number): Promise<void> {
    const v = new ByteView(bat, 'vhd bat');
    const bitmapBytes = Math.ceil(blockSize / SECTOR / 8 / SECTOR) * SECTOR;
    for (let i = 0; i < needed; i++) {
      const sector = v.u32be(i * 4);
      if (sector === UNUSED) continue;
      const logical = i * blockSize;
      const length = Math.min(blockSize, this.virtualSize - logical);
      const at = sector * SECTOR;
      this.blocksOutstanding++;
      await this.scheduler.claimTagged({
        offset: at,
        length: bitmapBytes,
        what: `sector bitmap of block ${i}`,
        tag: { t: 'bitmap', at: at + bitmapBytes, logical, length },
      });
    }
    if (this.blocksOutstanding === 0) this.scheduler.tablesComplete();
  }

  private async block(bitmap: Uint8Array, at: number, logical: number, length: number): Promise<void> {
    if (--this.blocksOutstanding === 0) this.scheduler.tablesComplete();
    // The tag holds the bitmap the block needs (a bitmap of all ones is left out).
    const used = bitmap.subarray(0, Math.ceil(length / SECTOR / 8));
    const all = used.every((x) => x === 0xff);
    await this.scheduler.claimTagged({
      offset: at,
      length,
      what: 'data block',
      tag: { t: 'block', logical, bitmap: all ? '' : saved.b64(used) },
    });
  }

  /** A data block's bytes: all of them, or the sectors its bitmap marks (empty: all). */
  private blockData(bitmap: Uint8Array, logical: number): saved.Bound {
    return {
      kind: 'stream',
      deliver: (rel, bytes) =>
        bitmap.length === 0 ? this.sink.write(logical + rel, bytes) : this.writeMapped(bitmap, logical, rel, bytes),
    };
  }

  /** Writes only the sectors whose bitmap bit is set (most significant bit first). */
  private async writeMapped(bitmap: Uint8Array, logical: number, rel: number, bytes: Uint8Array): Promise<void> {
    let runStart = -1;
    for (let o = 0; o <= bytes.length; ) {
      const sector = Math.floor((rel + o) / SECTOR);
      const set = o < bytes.length && ((bitmap[sector >> 3] ?? 0) & (0x80 >> (sector & 7))) !== 0;
      if (set && runStart < 0) runStart = o;
      if (!set && runStart >= 0) {
        await this.sink.write(logical + rel + runStart, bytes.subarray(runStart, o));
        runStart = -1;
      }
      if (o === bytes.length) break;
      o = Math.min(bytes.length, (sector + 1) * SECTOR - rel);
    }
  }
}
