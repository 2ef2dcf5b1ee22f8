/**
 * An upload of a single disk (any format ingest decodes) into a new image of a tenant, in the
 * process that owns the store: decoded into a new disk through the ingest pipeline, committed,
 * then recorded with its format, logical SHA-256 and the bytes of its non-zero blocks. On any refusal the
 * disk is deleted, so nothing is left visible. OVA uploads make library VMs and come later.
 */
import { RavelError } from '../../core/errors.ts';
import type { BlockStore } from '../block-store.ts';
import type { DiskSink } from '../ingest/disk-sink.ts';
import { isZero } from './writer-session.ts';
import { BlockStoreSink } from '../ingest/block-store-sink.ts';
import { ingest, type IngestOptions } from '../ingest/ingest.ts';
import type { UploadSource } from '../ingest/chunk-source.ts';
import { checked, CreateImage } from './image-requests.ts';
import type { ImageInfo, ImagePurpose } from './image-service.ts';
import type { LocalImageService } from './local-image-service.ts';

export interface ImportRequest {
  readonly name: string;
  readonly purpose?: ImagePurpose;
  readonly limits?: IngestOptions['limits'];
}

export async function importImage(
  service: LocalImageService,
  store: BlockStore,
  tenant: string,
  source: UploadSource,
  request: ImportRequest,
): Promise<ImageInfo> {
  const purpose = request.purpose ?? 'image';
  checked(CreateImage, { tenant, name: request.name, purpose, virtualSize: 0 });
  const disk = await store.createDisk(tenant, { purpose });
  const sinks: BlockStoreSink[] = [];
  const written = new Set<number>();
  try {
    const result = await ingest(
      source,
      async () => {
        const s = await BlockStoreSink.open(store, tenant, disk.id);
        sinks.push(s);
        return new NonZeroCounter(s, store.blockSize, written);
      },
      request.limits === undefined ? {} : { limits: request.limits },
    );
    const sink = sinks[0];
    if (result.kind !== 'disk' || sink === undefined || sinks.length !== 1) {
      throw new RavelError('UNSUPPORTED_FORMAT', 'an OVA is imported as a library VM, not as one image');
    }
    const version = await sink.finish();
    return await service.record(tenant, {
      id: disk.id,
      name: request.name,
      purpose,
      format: result.disk.format,
      storedSize: written.size * store.blockSize,
      sha256: { version: version.id, hex: result.disk.logicalSha256 },
      createdAt: disk.createdAt,
    });
  } catch (e) {
    await Promise.allSettled(sinks.map((s) => s.fail()));
    await store.deleteDisk(tenant, disk.id).catch(() => undefined);
    throw e;
  }
}

/** Passes writes through, noting the blocks that received non-zero bytes. */
class NonZeroCounter implements DiskSink {
  constructor(
    private readonly sink: DiskSink,
    private readonly blockSize: number,
    private readonly written: Set<number>,
  ) {}

  get virtualSize(): number | undefined {
    return this.sink.virtualSize;
  }

  setVirtualSize(bytes: number): void {
    this.sink.setVirtualSize(bytes);
  }

  write(logicalOffset: number, data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; ) {
      const index = Math.floor((logicalOffset + at) / this.blockSize);
      const end = Math.min(data.length, (index + 1) * this.blockSize - logicalOffset);
      if (!this.written.has(index) && !isZero(data.subarray(at, end))) this.written.add(index);
      at = end;
    }
    return this.sink.write(logicalOffset, data);
  }

  stage(uploadOffset: number, data: Uint8Array): Promise<void> {
    return this.sink.stage(uploadOffset, data);
  }

  readStaged(uploadOffset: number, length: number): Promise<Uint8Array> {
    return this.sink.readStaged(uploadOffset, length);
  }

  releaseStaged(uploadOffset: number, length: number): Promise<void> {
    return this.sink.releaseStaged(uploadOffset, length);
  }

  readLogical(logicalOffset: number, length: number): Promise<Uint8Array> {
    return this.sink.readLogical(logicalOffset, length);
  }
}
