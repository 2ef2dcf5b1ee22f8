/**
 * Raw bytes, written as they arrive. The last 512 bytes are held back until the end, where they
 * decide between raw and a fixed VHD (whose footer is not part of the disk). The primary volume
 * descriptor of an ISO 9660 image is caught as it passes.
 */
import type { DecodedDisk, DecoderCheckpoint, DecoderInit, FormatDecoder } from './format.ts';
import { decodeFailed } from './decode-error.ts';
import { hasVhdCookie, parseVhdFooter, VhdDiskType, VHD_FOOTER_SIZE } from './vhd/footer.ts';
import { ISO_PVD_OFFSET, ISO_SECTOR, parsePrimaryVolumeDescriptor } from './iso/iso9660.ts';
import type { DiskSink } from '../ingest/disk-sink.ts';

const SECTOR = 512;
/** Writes end on this boundary (the block store's block size), so no block is written twice. */
const WRITE_ALIGN = 64 * 1024;

export interface RawState {
  readonly received: number;
  readonly tail: string;
  readonly pvd: string;
}

export class RawDecoder implements FormatDecoder {
  private readonly sink: DiskSink;
  private received = 0;
  private written = 0;
  /**
   * Bytes received but not yet written, at the front of a buffer of our own that is reused
   * (sinks copy what they keep): at most a block and a footer between pushes, and a block more
   * while one is completed from a new chunk.
   */
  private held = Buffer.allocUnsafe(2 * WRITE_ALIGN + VHD_FOOTER_SIZE);
  private heldBytes = 0;
  private pvd = new Uint8Array(ISO_SECTOR);

  constructor(init: DecoderInit, from?: RawState) {
    this.sink = init.sink;
    if (from !== undefined) {
      const tail = Buffer.from(from.tail, 'base64');
      if (tail.length > WRITE_ALIGN + VHD_FOOTER_SIZE) throw decodeFailed('bad-checkpoint', 'raw checkpoint holds too long a tail', 'raw');
      this.hold(tail);
      this.received = from.received;
      this.written = from.received - tail.length;
      this.pvd.set(Buffer.from(from.pvd, 'base64').subarray(0, ISO_SECTOR));
    }
  }

  private get tail(): Buffer {
    return this.held.subarray(0, this.heldBytes);
  }

  async push(chunk: Uint8Array): Promise<void> {
    this.capturePvd(this.received, chunk);
    this.received += chunk.length;
    // Write up to a 64 KiB boundary only, keeping at least the footer's 512 bytes back: a
    // write that ended 512 bytes short of a block made the store read, modify and rewrite
    // one block per chunk, which cost raw ingest over half its speed.
    const end = this.written + this.heldBytes + chunk.length - VHD_FOOTER_SIZE;
    const flush = Math.floor(end / WRITE_ALIGN) * WRITE_ALIGN - this.written;
    if (flush <= 0) {
      this.hold(chunk);
      return;
    }
    this.sink.setVirtualSize(this.written + flush);
    let fromChunk = flush - this.heldBytes;
    if (fromChunk < 0) {
      await this.writeNext(this.tail.subarray(0, flush));
      this.held.copyWithin(0, flush, this.heldBytes);
      this.heldBytes -= flush;
      this.hold(chunk);
      return;
    }
    if (this.heldBytes > 0) {
      // The held bytes are completed to a block boundary with the chunk's first bytes (a block
      // or two copied at most); the rest of the chunk is written as it came.
      const head = Math.min(fromChunk, (WRITE_ALIGN - (this.heldBytes % WRITE_ALIGN)) % WRITE_ALIGN);
      this.hold(chunk.subarray(0, head));
      await this.writeNext(this.tail);
      this.heldBytes = 0;
      chunk = chunk.subarray(head);
      fromChunk -= head;
    }
    if (fromChunk > 0) await this.writeNext(chunk.subarray(0, fromChunk));
    this.hold(chunk.subarray(fromChunk));
  }

  private hold(bytes: Uint8Array): void {
    const need = this.heldBytes + bytes.length;
    if (need > this.held.length) {
      const grown = Buffer.allocUnsafe(need);
      grown.set(this.tail);
      this.held = grown;
    }
    this.held.set(bytes, this.heldBytes);
    this.heldBytes = need;
  }

  async finish(): Promise<DecodedDisk> {
    if (this.received === 0) throw decodeFailed('empty', 'the upload is empty', 'raw');
    const footerAt = this.tail.length - VHD_FOOTER_SIZE;
    const footerBytes = Buffer.from(this.tail.subarray(Math.max(0, footerAt)));
    if (footerAt >= 0 && hasVhdCookie(footerBytes)) {
      const footer = parseVhdFooter(footerBytes);
      if (footer.diskType !== VhdDiskType.fixed) {
        throw decodeFailed('bad-disk-type', 'vhd: a dynamic disk footer with no header copy at the start', 'vhd');
      }
      const size = this.written + footerAt;
      if (footer.currentSize !== size) {
        throw decodeFailed('size-mismatch', `vhd: footer says ${footer.currentSize} bytes, the upload holds ${size}`, 'vhd-fixed');
      }
      this.sink.setVirtualSize(size);
      await this.writeNext(this.tail.subarray(0, footerAt));
      return { format: 'vhd-fixed', virtualSize: size, trailer: footerBytes };
    }
    this.sink.setVirtualSize(this.received);
    await this.writeNext(this.tail);
    this.heldBytes = 0;
    const iso = parsePrimaryVolumeDescriptor(this.pvd);
    if (iso !== undefined) {
      if (iso.volumeBytes > this.received) {
        throw decodeFailed('truncated', `iso: volume declares ${iso.volumeBytes} bytes, upload holds ${this.received}`, 'iso');
      }
      return { format: 'iso', virtualSize: this.received, label: iso.label };
    }
    if (this.received % SECTOR !== 0) {
      throw decodeFailed('unaligned-size', `raw: ${this.received} bytes is not a whole number of sectors`, 'raw');
    }
    return { format: 'raw', virtualSize: this.received };
  }

  checkpoint(): DecoderCheckpoint {
    const state: RawState = {
      received: this.received,
      tail: Buffer.from(this.tail).toString('base64'),
      pvd: Buffer.from(this.pvd).toString('base64'),
    };
    return { format: 'raw', uploadOffset: this.received, state: { ...state } };
  }

  private async writeNext(bytes: Uint8Array): Promise<void> {
    await this.sink.write(this.written, bytes);
    this.written += bytes.length;
  }

  private capturePvd(at: number, chunk: Uint8Array): void {
    const from = Math.max(at, ISO_PVD_OFFSET);
    const to = Math.min(at + chunk.length, ISO_PVD_OFFSET + ISO_SECTOR);
    if (from < to) this.pvd.set(chunk.subarray(from - at, to - at), from - ISO_PVD_OFFSET);
  }
}

export function rawStateFrom(state: Readonly<Record<string, unknown>>): RawState {
  const { received, tail, pvd } = state;
  if (typeof received !== 'number' || typeof tail !== 'string' || typeof pvd !== 'string') {
    throw decodeFailed('bad-checkpoint', 'raw checkpoint is malformed', 'raw');
  }
  return { received, tail, pvd };
}
