/**
 * Where a format decoder puts the logical disk it decodes from an upload. The decoders
 * (storage-engine/formats/) know only this interface; the block store provides the real sink
 * and tests an in-memory one.
 *
 * Some formats (qcow2, VHDX) may place the tables that map data after the data itself. Such
 * data is staged by its offset in the upload and placed once its logical offset is known.
 * The block store keeps staged bytes as blocks, so an upload is never held as a second full
 * copy in a temporary file or in memory.
 */
export interface DiskSink {
  /** The size last set, or undefined before any (a resumed ingest finds it already grown). */
  readonly virtualSize: number | undefined;
  /**
   * The logical disk's size in bytes, once the decoder knows it. Writes past it are refused.
   * It may be called again with a larger size (never a smaller one): a raw upload's size grows
   * as its bytes arrive.
   */
  setVirtualSize(bytes: number): void;
  /**
   * Logical bytes at a logical offset. Offsets come in any order and need not be aligned to
   * anything; ranges never written read as zeros. A write may overwrite an earlier one. The
   * sink copies what it keeps: the caller may reuse `data` once the write resolves.
   */
  write(logicalOffset: number, data: Uint8Array): Promise<void>;
  /** Keeps bytes of the upload, by their offset in the upload, whose place is not known yet. */
  stage(uploadOffset: number, data: Uint8Array): Promise<void>;
  /** Reads back staged bytes (exactly as staged; the range must lie inside staged data). */
  readStaged(uploadOffset: number, length: number): Promise<Uint8Array>;
  /** Drops staged bytes that are no longer needed, so their space can be reclaimed. */
  releaseStaged(uploadOffset: number, length: number): Promise<void>;
  /**
   * Reads back logical bytes written so far (ranges never written read as zeros; the range
   * must lie inside the virtual size). Ingest uses it to hash the logical disk in order when a
   * format delivered its data out of order, and to check a resumed upload.
   */
  readLogical(logicalOffset: number, length: number): Promise<Uint8Array>;
}
