/**
 * An ingest into the block store that survives a restart: it writes through a resumable
 * BlockStoreSink, saves a checkpoint with the store about every `checkpointEveryBytes`, and
 * can be taken up again, in this process or after a restart, from the last checkpoint saved.
 * An interrupted upload (the source failed: UNAVAILABLE) leaves the ingest in the store to be
 * resumed; a refused one (bad format, too large...) drops it. An OVA is refused (UNSUPPORTED_FORMAT,
 * reason `not-resumable`) at its first disk.
 */
import { isRavelError } from '../../core/errors.ts';
import { unsupported } from '../formats/decode-error.ts';
import type { BlockStore, TenantId, VersionInfo } from '../block-store.ts';
import { BlockStoreSink, type DurableIngestStore } from './block-store-sink.ts';
import type { UploadSource } from './chunk-source.ts';
import type { DiskSink } from './disk-sink.ts';
import { ingest } from './ingest.ts';
import type { IngestCheckpoint, IngestOptions, IngestResult } from './ingest-types.ts';

export type ResumableTarget = { readonly disk: string } | { readonly ingestId: string };

export interface ResumableIngestOptions extends Pick<IngestOptions, 'limits' | 'checkpointEveryBytes'> {
  /** Told of each checkpoint once it is durable (tests, progress). */
  readonly onSaved?: (cp: IngestCheckpoint) => void;
  /** Told the ingest's id as soon as it exists, before any byte is read. */
  readonly onStarted?: (ingestId: string) => void;
  /** Wraps the sink ingest writes into (to observe its writes), given the upload offset it starts at. */
  readonly wrapSink?: (sink: DiskSink, from: number) => DiskSink;
}

/**
 * Starts or resumes an ingest. `source(from)` gives the upload from byte `from` on: 0 for a new
 * ingest or one that had saved no checkpoint (it starts over under a new id, told to
 * onStarted), else the checkpoint's offset. The bytes from there must be those of the same
 * upload (tus guarantees it): what the interrupted try wrote past its checkpoint is
 * overwritten by the same writes, not erased.
 */
export async function ingestResumable(
  store: BlockStore & DurableIngestStore,
  tenant: TenantId,
  target: ResumableTarget,
  source: (from: number) => UploadSource,
  options: ResumableIngestOptions = {},
): Promise<{ result: IngestResult; version: VersionInfo }> {
  let sink: BlockStoreSink;
  let from: IngestCheckpoint | undefined;
  if ('disk' in target) sink = await BlockStoreSink.startResumable(store, tenant, target.disk);
  else ({ sink, checkpoint: from } = await BlockStoreSink.resume(store, tenant, target.ingestId));
  const disk = sink.diskId;
  if (from === undefined && 'ingestId' in target && disk !== undefined) {
    // Nothing was checkpointed: start over in a fresh version, so that nothing the first try
    // wrote can linger where this one writes nothing.
    await sink.fail();
    sink = await BlockStoreSink.startResumable(store, tenant, disk);
  }
  if (sink.ingestId !== undefined) options.onStarted?.(sink.ingestId);
  let result: IngestResult;
  try {
    const at = from?.uploadOffset ?? 0;
    const wrapped = options.wrapSink?.(sink, at) ?? sink;
    result = await ingest(source(at), (ref) => (ref.fileName === undefined ? wrapped : refuseOva()), {
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.checkpointEveryBytes === undefined ? {} : { checkpointEveryBytes: options.checkpointEveryBytes }),
      ...(from === undefined ? {} : { resumeFrom: from }),
      onCheckpoint: async (cp) => {
        await sink.saveCheckpoint(cp);
        options.onSaved?.(cp);
      },
    });
  } catch (e) {
    // An interrupted upload stays resumable; anything else is refused for good.
    if (!isRavelError(e, 'UNAVAILABLE')) await sink.fail();
    throw e;
  }
  return { result, version: await sink.finish() };
}

/** An OVA has a sink per disk and takes no checkpoint: it is imported whole (importOva), not through here. */
function refuseOva(): never {
  throw unsupported('not-resumable', 'an OVA cannot be ingested resumably: it is imported as a library VM (importOva)', 'ova');
}
