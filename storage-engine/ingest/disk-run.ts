/**
 * Decoding one disk: detection from its first bytes, the decoder, and the tracking sink that
 * bounds its size and hashes it. Used for a single-disk upload and for each disk of an OVA.
 */
import type { DiskSink } from './disk-sink.ts';
import type { DecodedDisk, DecodeLimits, FormatDecoder } from '../formats/format.ts';
import { RavelError } from '../../core/errors.ts';
import type { DiskRef, IngestCheckpoint, IngestedDisk } from './ingest-types.ts';
import { TrackingSink } from './tracking-sink.ts';
import { logicalSha256, plainSha256, resumableSha256 } from './sha256.ts';
import { createDecoder, resumeDecoder } from './decoder-factory.ts';
import { detectFormat, SNIFF_BYTES } from '../formats/detect.ts';
import { decodeFailed } from '../formats/decode-error.ts';
import { sniff } from './chunk-source.ts';

export class DiskRun {
  private constructor(
    readonly ref: DiskRef,
    private readonly tracking: TrackingSink,
    private readonly decoder: FormatDecoder,
    /**
     * The logical disk is the upload itself (raw, ISO, fixed VHD: only a fixed VHD's footer
     * differs), so one hash serves both: see {@link finishAsUpload}.
     */
    readonly diskIsUpload = false,
  ) {}

  /** Detects the format from the head of `chunks` and decodes all of them into `sink`. */
  static async decodeAll(ref: DiskRef, chunks: AsyncIterable<Uint8Array>, sink: DiskSink, limits: DecodeLimits): Promise<IngestedDisk> {
    const { head, rest } = await sniff(chunks, SNIFF_BYTES);
    const detected = detectFormat(head);
    if (detected.kind === 'ova') throw decodeFailed('nested-ova', 'an OVA inside an OVA', 'ova');
    const tracking = new TrackingSink(sink, plainSha256(), limits.maxVirtualSize);
    const run = new DiskRun(ref, tracking, createDecoder(detected, { sink: tracking, limits }));
    if (head.length > 0) await run.push(head);
    for (let r = await rest.next(); r.done !== true; r = await rest.next()) await run.push(r.value);
    return run.finish();
  }

  /** A run for a format already detected, hashing resumably when `resumable`. */
  static async start(ref: DiskRef, head: Uint8Array, sink: DiskSink, limits: DecodeLimits, resumable: boolean): Promise<DiskRun> {
    const detected = detectFormat(head);
    if (detected.kind === 'ova') throw decodeFailed('nested-ova', 'an OVA inside an OVA', 'ova');
    const hash = resumable ? await resumableSha256() : logicalSha256();
    const tracking = new TrackingSink(sink, hash, limits.maxVirtualSize);
    try {
      return new DiskRun(ref, tracking, createDecoder(detected, { sink: tracking, limits }), detected.kind === 'raw');
    } catch (e) {
      tracking.close();
      throw e;
    }
  }

  static async resume(ref: DiskRef, cp: IngestCheckpoint, sink: DiskSink, limits: DecodeLimits): Promise<DiskRun> {
    const saved = cp.logical.inOrder ? cp.logical.hash : undefined;
    const tracking = new TrackingSink(sink, await resumableSha256(saved), limits.maxVirtualSize, cp.logical);
    return new DiskRun(ref, tracking, resumeDecoder(cp.decoder, { sink: tracking, limits }), cp.decoder.format === 'raw');
  }

  push(chunk: Uint8Array): Promise<void> {
    return this.decoder.push(chunk);
  }

  /** Decoder and logical-hash state, or undefined where this run cannot resume here. */
  checkpointParts(): Pick<IngestCheckpoint, 'logical' | 'decoder'> | undefined {
    const decoder = this.decoder.checkpoint();
    const hash = this.tracking.savedHash();
    if (decoder === undefined || hash === undefined) return undefined;
    return { decoder, logical: { ...this.tracking.state(), hash } };
  }

  /** Lets go of what the run holds beside its sink, after a failure. */
  abandon(): void {
    this.tracking.close();
  }

  async finish(): Promise<IngestedDisk> {
    return this.described(await this.decoded());
  }

  /**
   * Finishes a run whose disk is the upload, with the upload's SHA-256 taken from the logical
   * hash (plus a fixed VHD's footer), so that those bytes are hashed once, not twice.
   */
  async finishAsUpload(): Promise<{ disk: IngestedDisk; uploadSha256: string }> {
    if (!this.diskIsUpload) throw new RavelError('INTERNAL', 'this disk is not the upload');
    const decoded = await this.decoded();
    const uploadSha256 = await this.tracking.continuedSha256(decoded.trailer ?? new Uint8Array(0));
    return { disk: await this.described(decoded), uploadSha256 };
  }

  private async decoded(): Promise<DecodedDisk> {
    const decoded = await this.decoder.finish();
    if (this.tracking.virtualSize !== decoded.virtualSize) {
      throw decodeFailed('size-mismatch', `decoded ${this.tracking.virtualSize ?? 0} bytes, expected ${decoded.virtualSize}`);
    }
    return decoded;
  }

  private async described(decoded: DecodedDisk): Promise<IngestedDisk> {
    const { sha256, hashPass } = await this.tracking.logicalSha256(plainSha256);
    return {
      ref: this.ref,
      format: decoded.format,
      virtualSize: decoded.virtualSize,
      logicalSha256: sha256,
      hashPass,
      ...(decoded.label === undefined ? {} : { label: decoded.label }),
    };
  }
}
