/**
 * Uploads on a node that has both the gateway and the storage role: tus at /api/v1/uploads,
 * importing into the local image service. A gateway-only node has no store to ingest into
 * and takes no uploads yet (streaming them to a storage node over the Bus is a later step).
 */
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { BlockStore } from '../../storage-engine/block-store.ts';
import { importImage } from '../../storage-engine/image-service/image-import.ts';
import type { LocalImageService } from '../../storage-engine/image-service/local-image-service.ts';
import type { StreamEndpoint } from '../gateway.ts';
import { tusEndpoint } from './tus-endpoint.ts';
import { UploadRegistry, type UploadImporter, type UploadOptions } from './upload-registry.ts';

export interface Uploads {
  readonly endpoint: StreamEndpoint;
  readonly registry: UploadRegistry;
  /** Stops every upload in progress (their half-made disks are deleted). */
  close(): void;
}

export const uploadDefaults = {
  maxSize: 1024 ** 4,
  expiryMs: 24 * 3600_000,
  highWater: 8 * 1024 * 1024,
  maxChecksummedBytes: 64 * 1024 * 1024,
};

export function createUploads(
  deps: { readonly clock: Clock; readonly log: Logger; readonly importer: UploadImporter },
  options: Partial<Omit<UploadOptions, 'clock' | 'log' | 'importer'>> = {},
): Uploads {
  const registry = new UploadRegistry({ ...uploadDefaults, ...options, ...deps });
  return { endpoint: tusEndpoint(registry), registry, close: () => registry.close() };
}

/** Imports each upload as one new disk image of the tenant. */
export function localImporter(images: LocalImageService, store: BlockStore): UploadImporter {
  return async (tenant, source, name) => [(await importImage(images, store, tenant, source, { name })).id];
}
