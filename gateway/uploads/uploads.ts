/**
 * Uploads on a node that has both the gateway and the storage role: tus at /api/v1/uploads,
 * importing into the local image service. A gateway-only node has no store to ingest into
 * and takes no uploads yet (streaming them to a storage node over the Bus is a later step).
 * With a journal, uploads outlive a restart of the node (upload-registry.ts restore).
 */
import type { BlockStore } from '../../storage-engine/block-store.ts';
import { importImage } from '../../storage-engine/image-service/image-import.ts';
import { importImageResumable } from '../../storage-engine/image-service/resumable-import.ts';
import type { DurableIngestStore } from '../../storage-engine/ingest/block-store-sink.ts';
import type { LocalImageService } from '../../storage-engine/image-service/local-image-service.ts';
import type { StreamEndpoint } from '../gateway.ts';
import { tusEndpoint } from './tus-endpoint.ts';
import { UploadRegistry, type UploadImporter, type UploadOptions } from './upload-registry.ts';

export interface Uploads {
  readonly endpoint: StreamEndpoint;
  readonly registry: UploadRegistry;
  /** Stops every upload in progress: kept to resume with a journal, else their half-made disks are deleted. */
  close(): Promise<void>;
}

export const uploadDefaults = {
  maxSize: 1024 ** 4,
  expiryMs: 24 * 3600_000,
  highWater: 8 * 1024 * 1024,
  maxChecksummedBytes: 64 * 1024 * 1024,
};

export function createUploads(
  deps: Pick<UploadOptions, 'clock' | 'log' | 'importer' | 'journal'>,
  options: Partial<Omit<UploadOptions, 'clock' | 'log' | 'importer' | 'journal'>> = {},
): Uploads {
  const registry = new UploadRegistry({ ...uploadDefaults, ...options, ...deps });
  return { endpoint: tusEndpoint(registry), registry, close: () => registry.close() };
}

/** Imports each upload as one new disk image of the tenant; resumably when the registry asks (it has a journal). */
export function localImporter(images: LocalImageService, store: BlockStore & DurableIngestStore): UploadImporter {
  return async (tenant, source, name, progress) =>
    progress === undefined
      ? [(await importImage(images, store, tenant, source, { name })).id]
      : [(await importImageResumable(images, store, tenant, source, { name }, progress)).id];
}
