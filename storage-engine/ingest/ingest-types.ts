/** What ingest takes and gives back. */
import type { DiskSink } from './disk-sink.ts';
import type { DecodeLimits, DecoderCheckpoint, DiskFormat } from '../formats/format.ts';
import type { TrackingState } from './tracking-sink.ts';
import type { OvfVm } from '../formats/ova/ovf.ts';

/** Which disk of the upload a sink is asked for. */
export interface DiskRef {
  /** 0 for a single-disk upload; the OVF disk's position in an OVA. */
  readonly index: number;
  /** The OVF disk id, or `disk` for a single-disk upload. */
  readonly name: string;
  /** The file in the OVA that holds it. */
  readonly fileName?: string;
}

/** Gives the sink each decoded disk is written into (one per disk of an OVA). */
export type SinkFactory = (disk: DiskRef) => DiskSink | Promise<DiskSink>;

export interface IngestOptions {
  /** Bounds on virtual size and tables; the defaults are in formats/format.ts. */
  readonly limits?: Partial<DecodeLimits>;
  /**
   * Called with a checkpoint about every `checkpointEveryBytes` of upload (64 MiB by default),
   * when the format can resume there: every single-disk format (RESUMABLE_FORMATS in
   * decoder-factory.ts); an OVA takes none (a checkpoint naming a format that cannot resume
   * is refused with UNSUPPORTED_FORMAT, reason `not-resumable`). The checkpoint is only valid with the sink as it was when it was taken:
   * ingest/resumable-ingest.ts stores both together in the block store. Setting it makes
   * hashing resumable (hash-wasm instead of node:crypto on a worker thread).
   */
  readonly onCheckpoint?: (cp: IngestCheckpoint) => Promise<void>;
  readonly checkpointEveryBytes?: number;
  /** Continue an interrupted ingest: the source yields the upload from `resumeFrom.uploadOffset`. */
  readonly resumeFrom?: IngestCheckpoint;
}

export interface IngestedDisk {
  readonly ref: DiskRef;
  readonly format: DiskFormat;
  readonly virtualSize: number;
  /** SHA-256 of the logical disk, zeros included, in order. */
  readonly logicalSha256: string;
  /** True when the format delivered data out of order and the hash was computed by reading the sink. */
  readonly hashPass: boolean;
  readonly label?: string;
}

interface IngestResultBase {
  /** Bytes of the upload received (over all resumed parts). */
  readonly uploadBytes: number;
  readonly uploadSha256: string;
}

export type IngestResult =
  | (IngestResultBase & { readonly kind: 'disk'; readonly disk: IngestedDisk })
  | (IngestResultBase & { readonly kind: 'ova'; readonly vm: OvfVm; readonly disks: readonly IngestedDisk[] });

/**
 * Where an interrupted single-disk ingest can go on from: plain JSON data. It is only valid
 * with the same sink, once everything written before it is kept (the caller persists both).
 */
export interface IngestCheckpoint {
  readonly version: 1;
  readonly uploadOffset: number;
  readonly uploadHash: string;
  readonly logical: TrackingState & { readonly hash: string };
  readonly decoder: DecoderCheckpoint;
}
