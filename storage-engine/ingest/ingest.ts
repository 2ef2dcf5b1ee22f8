/**
 * Ingest: an upload of unknown format in, the logical disk(s) it holds written into sinks, and
 * what was learnt out. The format comes from the content; an OVA yields one disk per OVF disk.
 * Chunks are pulled one at a time, so the sink's pace sets the upload's. Any refusal is a
 * RavelError (DECODE_FAILED, UNSUPPORTED_FORMAT, PAYLOAD_TOO_LARGE) and stops the ingest; the
 * caller drops whatever its sinks hold.
 */
import { RavelError, toRavelError } from '../../core/errors.ts';
import { defaultLimits, type DecodeLimits } from '../formats/format.ts';
import { detectFormat, SNIFF_BYTES } from '../formats/detect.ts';
import { chunksOf, observed, sniff, type UploadSource } from './chunk-source.ts';
import { plainSha256, resumableSha256, type Sha256 } from './sha256.ts';
import { DiskRun } from './disk-run.ts';
import { ingestOva } from './ova-ingest.ts';
import type { DiskRef, IngestOptions, IngestResult, SinkFactory } from './ingest-types.ts';

export type { DiskRef, IngestCheckpoint, IngestOptions, IngestResult, SinkFactory } from './ingest-types.ts';

const singleDisk: DiskRef = { index: 0, name: 'disk' };

export async function ingest(
  source: UploadSource,
  sinkFactory: SinkFactory,
  options: IngestOptions = {},
): Promise<IngestResult> {
  try {
    return await run(source, sinkFactory, options);
  } catch (e) {
    throw toRavelError(e, 'INTERNAL');
  }
}

async function run(source: UploadSource, sinkFactory: SinkFactory, options: IngestOptions): Promise<IngestResult> {
  const limits: DecodeLimits = { ...defaultLimits, ...options.limits };
  const from = options.resumeFrom;
  const resumable = options.onCheckpoint !== undefined || from !== undefined;
  const upload: Sha256 = resumable ? await resumableSha256(from?.uploadHash) : plainSha256();
  let uploadBytes = from?.uploadOffset ?? 0;
  const chunks = observed(chunksOf(source), (c) => {
    uploadBytes += c.length;
  });

  let disk: DiskRun;
  let rest: AsyncIterator<Uint8Array>;
  let head: Uint8Array = new Uint8Array(0);
  if (from === undefined) {
    const sniffed = await sniff(chunks, SNIFF_BYTES);
    rest = sniffed.rest;
    if (detectFormat(sniffed.head).kind === 'ova') {
      upload.update(sniffed.head);
      const hashed = observed({ [Symbol.asyncIterator]: () => rest }, (c) => upload.update(c));
      const ova = await ingestOva(sniffed.head, hashed[Symbol.asyncIterator](), sinkFactory, limits);
      return { kind: 'ova', ...ova, uploadBytes, uploadSha256: await upload.digestHex() };
    }
    head = sniffed.head;
    disk = await DiskRun.start(singleDisk, head, await sinkFactory(singleDisk), limits, resumable);
  } else {
    if (from.version !== 1) throw new RavelError('INVALID_ARGUMENT', 'unknown checkpoint version');
    disk = await DiskRun.resume(singleDisk, from, await sinkFactory(singleDisk), limits);
    rest = chunks[Symbol.asyncIterator]();
  }

  // Where the disk is the upload (raw, ISO, fixed VHD), the upload's hash is the disk's, taken
  // at the end (with a fixed VHD's footer added): hashing both would read every byte twice.
  const hashUpload = disk.diskIsUpload ? () => undefined : (c: Uint8Array) => upload.update(c);
  const every = options.checkpointEveryBytes ?? 64 * 1024 * 1024;
  let lastCheckpoint = uploadBytes;
  try {
    if (head.length > 0) {
      hashUpload(head);
      await disk.push(head);
    }
    for (let r = await rest.next(); r.done !== true; r = await rest.next()) {
      hashUpload(r.value);
      await disk.push(r.value);
      if (options.onCheckpoint !== undefined && uploadBytes - lastCheckpoint >= every) {
        const parts = disk.checkpointParts();
        const uploadHash = disk.diskIsUpload ? parts?.logical.hash : upload.save();
        if (parts !== undefined && uploadHash !== undefined) {
          await options.onCheckpoint({ version: 1, uploadOffset: uploadBytes, uploadHash, ...parts });
          lastCheckpoint = uploadBytes;
        }
      }
    }
  } catch (e) {
    disk.abandon();
    // A refused upload is not read further: the source is closed (a socket, a file).
    await rest.return?.(undefined).catch(() => undefined);
    throw e;
  }
  try {
    if (disk.diskIsUpload) {
      const { disk: result, uploadSha256 } = await disk.finishAsUpload();
      return { kind: 'disk', disk: result, uploadBytes, uploadSha256 };
    }
    const result = await disk.finish();
    return { kind: 'disk', disk: result, uploadBytes, uploadSha256: await upload.digestHex() };
  } catch (e) {
    disk.abandon();
    throw e;
  }
}
