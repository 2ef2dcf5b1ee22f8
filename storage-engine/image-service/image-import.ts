/**
 * An upload of a single disk (any format ingest decodes) into a new image of a tenant, in the
 * process that owns the store: decoded into a new disk through the ingest pipeline, committed,
 * then recorded with its format, logical SHA-256 and the bytes of its non-zero blocks. On any refusal the
 * disks are deleted, so nothing is left visible. An OVA makes one image per OVF disk and the
 * description of its VM (importOva, LibraryVmImport), for the domain to register as a library VM.
 */
import { RavelError } from '../../core/errors.ts';
import type { BlockStore, DiskInfo } from '../block-store.ts';
import type { DiskSink } from '../ingest/disk-sink.ts';
import { isZero } from './writer-session.ts';
import { BlockStoreSink } from '../ingest/block-store-sink.ts';
import { ingest, type IngestOptions, type IngestResult } from '../ingest/ingest.ts';
import type { OvfNic } from '../formats/ova/ovf.ts';
import type { UploadSource } from '../ingest/chunk-source.ts';
import { checked, CreateImage } from './image-requests.ts';
import type { ImageInfo, ImagePurpose } from './image-service.ts';
import type { LocalImageService } from './local-image-service.ts';

export interface ImportRequest {
  readonly name: string;
  readonly purpose?: ImagePurpose;
  readonly limits?: IngestOptions['limits'];
}

/**
 * What an OVA upload made: the virtual machine its OVF describes, each disk imported as an
 * image of the tenant. This is what the domain registers as a library VM (it has the shape
 * domain/library/ova-library-vm.ts takes: `vm` for the hardware, and per disk the image id
 * and virtual size).
 */
export interface LibraryVmImport {
  readonly vm: {
    readonly name: string;
    readonly cpus: number;
    readonly memoryBytes: number;
    /** In OVF order; each with the image its content became. */
    readonly disks: readonly LibraryVmDisk[];
    readonly nics: readonly OvfNic[];
  };
  readonly uploadBytes: number;
  readonly uploadSha256: string;
}

export interface LibraryVmDisk {
  /** The OVF disk id. */
  readonly diskId: string;
  /** Capacity the OVF declares, in bytes. */
  readonly capacity: number;
  /** The new image (its id is the block store's disk id), with format, size and SHA-256. */
  readonly image: ImageInfo;
}

/** Imports a single-disk upload (any format but OVA) as a new image. */
export async function importImage(
  service: LocalImageService,
  store: BlockStore,
  tenant: string,
  source: UploadSource,
  request: ImportRequest,
): Promise<ImageInfo> {
  const { result, images } = await importUpload(service, store, tenant, source, request, 'disk');
  const image = images[0];
  if (result.kind !== 'disk' || image === undefined) throw new RavelError('INTERNAL', 'a disk import made no image');
  return image;
}

/**
 * Imports an OVA as a library VM: each disk of its OVF becomes an image named after the VM
 * and the disk. All or nothing: on a refusal no image is left.
 */
export async function importOva(
  service: LocalImageService,
  store: BlockStore,
  tenant: string,
  source: UploadSource,
  request: ImportRequest,
): Promise<LibraryVmImport> {
  const { result, images } = await importUpload(service, store, tenant, source, request, 'ova');
  if (result.kind !== 'ova') throw new RavelError('INTERNAL', 'an OVA import made no VM');
  const { vm } = result;
  return {
    vm: {
      name: vm.name,
      cpus: vm.cpus,
      memoryBytes: vm.memoryBytes,
      nics: vm.nics,
      disks: vm.disks.map((d, i) => {
        const image = images[i];
        if (image === undefined) throw new RavelError('INTERNAL', `OVF disk ${d.diskId} made no image`);
        return { diskId: d.diskId, capacity: d.capacity, image };
      }),
    },
    uploadBytes: result.uploadBytes,
    uploadSha256: result.uploadSha256,
  };
}

interface Imported {
  readonly disk: DiskInfo;
  readonly sink: BlockStoreSink;
  readonly written: Set<number>;
}

async function importUpload(
  service: LocalImageService,
  store: BlockStore,
  tenant: string,
  source: UploadSource,
  request: ImportRequest,
  want: IngestResult['kind'],
): Promise<{ result: IngestResult; images: ImageInfo[] }> {
  const purpose = request.purpose ?? 'image';
  checked(CreateImage, { tenant, name: request.name, purpose, virtualSize: 0 });
  // Disks in the order ingest asked for them: the OVF's order for an OVA.
  const made: Imported[] = [];
  try {
    const result = await ingest(
      source,
      async () => {
        const disk = await store.createDisk(tenant, { purpose });
        const sink = await BlockStoreSink.open(store, tenant, disk.id).catch(async (e: unknown) => {
          await store.deleteDisk(tenant, disk.id).catch(() => undefined);
          throw e;
        });
        const written = new Set<number>();
        made.push({ disk, sink, written });
        return new NonZeroCounter(sink, store.blockSize, written);
      },
      request.limits === undefined ? {} : { limits: request.limits },
    );
    if (result.kind !== want) {
      throw new RavelError(
        'UNSUPPORTED_FORMAT',
        want === 'disk' ? 'an OVA is imported as a library VM (importOva), not as one image' : 'the upload is a single disk, not an OVA',
        { details: { reason: want === 'disk' ? 'ova-as-image' : 'not-ova' } },
      );
    }
    const disks = result.kind === 'disk' ? [result.disk] : result.disks;
    if (disks.length !== made.length) throw new RavelError('INTERNAL', `${disks.length} disks decoded into ${made.length} sinks`);
    const images: ImageInfo[] = [];
    for (const [i, d] of disks.entries()) {
      const m = made[i];
      if (m === undefined) throw new RavelError('INTERNAL', 'a decoded disk without its sink');
      const version = await m.sink.finish();
      const name = result.kind === 'disk' ? request.name : `${request.name} ${d.ref.name}`.slice(0, 200);
      images.push(
        await service.record(tenant, {
          id: m.disk.id,
          name,
          purpose,
          format: d.format,
          storedSize: m.written.size * store.blockSize,
          sha256: { version: version.id, hex: d.logicalSha256 },
          createdAt: m.disk.createdAt,
        }),
      );
    }
    return { result, images };
  } catch (e) {
    await Promise.allSettled(made.map((m) => m.sink.fail()));
    await Promise.allSettled(made.map((m) => service.forget(tenant, m.disk.id)));
    await Promise.allSettled(made.map((m) => store.deleteDisk(tenant, m.disk.id)));
    throw e;
  }
}

/** Passes writes through, noting the blocks that received non-zero bytes. */
export class NonZeroCounter implements DiskSink {
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
