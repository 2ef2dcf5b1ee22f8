/**
 * An upload of a single disk imported as a new image through a resumable ingest
 * (ingest/resumable-ingest.ts): the half-made disk and the ingest's last checkpoint outlive a
 * restart of the store, and a later call with the same ingest id goes on from that checkpoint.
 * An interruption (the source failed UNAVAILABLE) keeps both; any other refusal deletes the
 * disk, so nothing is left visible. Formats that cannot checkpoint (OVA) restart from byte 0.
 */
import { isRavelError, RavelError } from '../../core/errors.ts';
import type { BlockStore, DiskId, VersionInfo } from '../block-store.ts';
import type { DurableIngestStore } from '../ingest/block-store-sink.ts';
import type { UploadSource } from '../ingest/chunk-source.ts';
import { ingestResumable, type ResumableTarget } from '../ingest/resumable-ingest.ts';
import { checked, CreateImage } from './image-requests.ts';
import { NonZeroCounter, type ImportRequest } from './image-import.ts';
import type { ImageInfo } from './image-service.ts';
import type { LocalImageService } from './local-image-service.ts';
import { isZero } from './writer-session.ts';

/** Where a resumable import stands, told to the caller so that it can take it up after a restart. */
export interface ImportProgress {
  /** The ingest to resume and its disk; undefined for a new import. */
  readonly resume?: { readonly ingestId: string; readonly disk: DiskId };
  /** Told the upload offset the ingest reads the source from, before it reads a byte. */
  readonly reading: (from: number) => void;
  /** Told the ingest's id and disk once they exist (persist them to resume by). */
  readonly started: (ingestId: string, disk: DiskId) => void;
  /** Told each checkpoint's upload offset once it is durable. */
  readonly saved: (uploadOffset: number) => void;
  /** Upload bytes between checkpoints (ingest's default, 64 MiB, if unset). */
  readonly checkpointEveryBytes?: number;
}

export async function importImageResumable(
  service: LocalImageService,
  store: BlockStore & DurableIngestStore,
  tenant: string,
  source: UploadSource,
  request: ImportRequest,
  progress: ImportProgress,
): Promise<ImageInfo> {
  const purpose = request.purpose ?? 'image';
  checked(CreateImage, { tenant, name: request.name, purpose, virtualSize: 0 });
  if (progress.resume !== undefined) {
    // Finished and recorded before a crash left the caller's note of it: nothing to resume, nothing to delete.
    const done = await service.get(tenant, progress.resume.disk).catch((e: unknown) => {
      if (isRavelError(e, 'NOT_FOUND')) return undefined;
      throw e;
    });
    if (done !== undefined) return done;
  }
  const disk = progress.resume?.disk ?? (await store.createDisk(tenant, { purpose })).id;
  const target: ResumableTarget = progress.resume === undefined ? { disk } : { ingestId: progress.resume.ingestId };
  // Blocks given non-zero bytes, when this process saw every write (the ingest started at 0).
  let written: Set<number> | undefined;
  try {
    const { result, version } = await ingestResumable(
      store,
      tenant,
      target,
      (from) => {
        progress.reading(from);
        return source;
      },
      {
        ...(request.limits === undefined ? {} : { limits: request.limits }),
        ...(progress.checkpointEveryBytes === undefined ? {} : { checkpointEveryBytes: progress.checkpointEveryBytes }),
        onStarted: (ingestId) => progress.started(ingestId, disk),
        wrapSink: (sink, from) => {
          if (from > 0) return sink;
          written = new Set();
          return new NonZeroCounter(sink, store.blockSize, written);
        },
        onSaved: (cp) => progress.saved(cp.uploadOffset),
      },
    );
    if (result.kind !== 'disk') {
      throw new RavelError('UNSUPPORTED_FORMAT', 'an OVA is imported as a library VM (importOva), not as one image', {
        details: { reason: 'ova-as-image' },
      });
    }
    const info = await store.getDisk(tenant, disk);
    return await service.record(tenant, {
      id: disk,
      name: request.name,
      purpose,
      format: result.disk.format,
      storedSize: (written?.size ?? (await nonZeroBlocks(store, tenant, version))) * store.blockSize,
      sha256: { version: version.id, hex: result.disk.logicalSha256 },
      createdAt: info.createdAt,
    });
  } catch (e) {
    // An interrupted upload stays to be resumed; anything else leaves nothing.
    if (!isRavelError(e, 'UNAVAILABLE')) {
      await service.forget(tenant, disk).catch(() => undefined);
      await store.deleteDisk(tenant, disk).catch(() => undefined);
    }
    throw e;
  }
}

/**
 * The blocks of a version holding non-zero bytes (the image's stored size), counted by reading
 * the version once: for a resumed ingest, whose writes before the restart this process did not see.
 */
async function nonZeroBlocks(store: BlockStore, tenant: string, version: VersionInfo): Promise<number> {
  let n = 0;
  const blocks = Math.ceil(version.size / store.blockSize);
  for (let i = 0; i < blocks; i++) if (!isZero(await store.readBlock(tenant, version.id, i))) n++;
  return n;
}
