/**
 * The seam between ingest and the format decoders. A decoder is pushed the bytes of one upload
 * in order, in chunks of any size, and writes the logical disk they encode into a DiskSink.
 * It holds at most a bounded amount of the upload in memory (a structure being parsed, a
 * compressed grain), plus tables whose size the header fixes and {@link DecodeLimits} bounds.
 */
import type { DiskSink } from '../ingest/disk-sink.ts';

/** What an upload turned out to be. `vmdk-flat` is a descriptor plus flat extents (from an OVA). */
export type DiskFormat =
  | 'raw'
  | 'iso'
  | 'qcow2'
  | 'vmdk-sparse'
  | 'vmdk-stream'
  | 'vmdk-flat'
  | 'vhd-fixed'
  | 'vhd-dynamic'
  | 'vhdx';

/** Bounds on what an upload may make a decoder hold or declare. */
export interface DecodeLimits {
  /** Largest virtual disk accepted, in bytes; beyond it PAYLOAD_TOO_LARGE. */
  readonly maxVirtualSize: number;
  /** Largest single table (L1, L2, BAT, grain directory...) and sum of all tables, in bytes. */
  readonly maxTableBytes: number;
  /**
   * Most ranges of the upload a decoder may be waiting for at once (data runs and tables it
   * knows of but has not seen yet). Runs of an image written in order merge into few ranges.
   */
  readonly maxPendingRanges: number;
}

export const defaultLimits: DecodeLimits = {
  maxVirtualSize: 2 * 1024 ** 4,
  maxTableBytes: 256 * 1024 ** 2,
  maxPendingRanges: 1 << 20,
};

/** What a decoder learnt once the upload has ended. */
export interface DecodedDisk {
  readonly format: DiskFormat;
  readonly virtualSize: number;
  /** ISO 9660 volume label. */
  readonly label?: string;
  /**
   * For a disk that is the upload itself (raw, ISO, fixed VHD): the upload bytes after the
   * disk that are not part of it (a fixed VHD's footer). Absent when there are none.
   */
  readonly trailer?: Uint8Array;
}

/** Decoder state at a chunk boundary, as plain JSON data, from which it can be rebuilt. */
export interface DecoderCheckpoint {
  readonly format: DiskFormat;
  /** Upload bytes consumed. The resumed stream starts here. */
  readonly uploadOffset: number;
  readonly state: Readonly<Record<string, unknown>>;
}

export interface FormatDecoder {
  /** Takes the next bytes of the upload; resolves when the sink has taken what they decode to. */
  push(chunk: Uint8Array): Promise<void>;
  /** The upload has ended: checks that nothing is missing and says what the disk is. */
  finish(): Promise<DecodedDisk>;
  /** Plain data to resume from at this point, or undefined where the format cannot resume. */
  checkpoint(): DecoderCheckpoint | undefined;
}

export interface DecoderInit {
  readonly sink: DiskSink;
  readonly limits: DecodeLimits;
}
