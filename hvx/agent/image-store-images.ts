/**
 * AgentImages through the image service (storage-engine/image-service/). Only the calls the
 * agent makes are named here, so `ImageServiceClient` fits this shape as it is.
 */
import type { Bus } from '../../bus/bus.ts';
import { RavelError } from '../../core/errors.ts';
import { ImageServiceClient } from '../../storage-engine/image-service/image-client.ts';
import type { DiskChanges, DiskSpec, PreparedDisk } from '../hypervisor.ts';
import type { AgentImages } from './agent-images.ts';

export interface ImageStoreAccess {
  info(): Promise<{ readonly blockSize: number; readonly maxBlocksPerMessage: number }>;
  listVersions(tenant: string, image: string): Promise<ReadonlyArray<{ readonly id: string; readonly size: number }>>;
  readBlocks(
    tenant: string,
    version: string,
    ranges: ReadonlyArray<{ first: number; count: number }>,
  ): AsyncIterable<{ readonly index: number; readonly data: Uint8Array | null }>;
  openWriter(
    tenant: string,
    image: string,
    request?: { base?: string | null },
  ): Promise<{
    writeBlocks(blocks: ReadonlyArray<{ index: number; data: Uint8Array | null }>): Promise<void>;
    commit(): Promise<{ readonly id: string }>;
    abort(): Promise<void>;
  }>;
}

export class ImageStoreImages implements AgentImages {
  constructor(private readonly store: ImageStoreAccess) {}

  async prepare(tenant: string, disk: DiskSpec): Promise<PreparedDisk> {
    const { blockSize } = await this.store.info();
    const version = (await this.store.listVersions(tenant, disk.image)).find((v) => v.id === disk.version);
    if (version === undefined) throw new RavelError('NOT_FOUND', `version ${disk.version} of image ${disk.image} not found`);
    const count = Math.ceil(version.size / blockSize);
    let blocks = 0;
    // The sim driver needs only to have read them; a qemu driver will write them to a local file.
    if (count > 0) for await (const b of this.store.readBlocks(tenant, disk.version, [{ first: 0, count }])) if (b.data !== null) blocks++;
    return { diskId: disk.id, version: disk.version, blockSize, blocks };
  }

  async writeSnapshot(tenant: string, changes: DiskChanges): Promise<string> {
    const { maxBlocksPerMessage } = await this.store.info();
    const writer = await this.store.openWriter(tenant, changes.image, { base: changes.baseVersion });
    try {
      for (let i = 0; i < changes.blocks.length; i += maxBlocksPerMessage) {
        await writer.writeBlocks(changes.blocks.slice(i, i + maxBlocksPerMessage));
      }
      return (await writer.commit()).id;
    } catch (e) {
      await writer.abort().catch(() => undefined);
      throw e;
    }
  }
}

/** The agent's images through the image service on its Bus (default prefix `images`). */
export function imageServiceImages(bus: Bus): ImageStoreImages {
  return new ImageStoreImages(new ImageServiceClient(bus));
}
