/**
 * A VMDK descriptor with flat extents, as an OVA may carry: the descriptor names member files
 * of the same OVA, whose bytes are the disk's, placed one after the other. Each extent file is
 * written as it streams past; the disk is complete once every extent has come.
 */
import type { DiskSink } from './disk-sink.ts';
import type { DecodeLimits } from '../formats/format.ts';
import type { DiskRef, IngestedDisk } from './ingest-types.ts';
import type { VmdkDescriptor, VmdkExtent } from '../formats/vmdk/descriptor.ts';
import { TrackingSink } from './tracking-sink.ts';
import { plainSha256 } from './sha256.ts';
import { decodeFailed, unsupported } from '../formats/decode-error.ts';

type FlatExtent = Extract<VmdkExtent, { kind: 'flat' }>;

export class FlatVmdkRun {
  private readonly tracking: TrackingSink;
  private readonly waiting = new Map<string, FlatExtent[]>();

  constructor(
    readonly ref: DiskRef,
    private readonly descriptor: VmdkDescriptor,
    sink: DiskSink,
    limits: DecodeLimits,
  ) {
    this.tracking = new TrackingSink(sink, plainSha256(), limits.maxVirtualSize);
    this.tracking.setVirtualSize(descriptor.virtualSize);
    for (const e of descriptor.extents) {
      if (e.kind !== 'flat') continue;
      this.waiting.set(e.file, [...(this.waiting.get(e.file) ?? []), e]);
    }
  }

  /** The extent files still to come. */
  get missing(): readonly string[] {
    return [...this.waiting.keys()];
  }

  wants(file: string): boolean {
    return this.waiting.has(file);
  }

  /** Writes the extents that `file` holds from its bytes. */
  async takeFile(file: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const extents = this.waiting.get(file) ?? [];
    this.waiting.delete(file);
    let at = 0;
    for await (const chunk of chunks) {
      for (const e of extents) {
        const from = Math.max(at, e.fileOffset);
        const to = Math.min(at + chunk.length, e.fileOffset + e.bytes);
        if (from < to) await this.tracking.write(e.logicalOffset + from - e.fileOffset, chunk.subarray(from - at, to - at));
      }
      at += chunk.length;
    }
    for (const e of extents) {
      if (at < e.fileOffset + e.bytes) {
        throw decodeFailed('truncated', `vmdk: extent file ${file} holds ${at} bytes, its extent needs ${e.fileOffset + e.bytes}`, 'vmdk-flat');
      }
    }
  }

  async finish(): Promise<IngestedDisk> {
    if (this.waiting.size > 0) {
      throw unsupported('external-extent', `vmdk: extents ${this.missing.join(', ')} are not in the upload`, 'vmdk-flat');
    }
    const { sha256, hashPass } = await this.tracking.logicalSha256(plainSha256);
    return { ref: this.ref, format: 'vmdk-flat', virtualSize: this.descriptor.virtualSize, logicalSha256: sha256, hashPass };
  }
}
