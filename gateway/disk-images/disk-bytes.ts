/** Bytes `start..end` (inclusive) of a version's logical disk, block by block; zero blocks as zeros. */
import type { ImageService } from '../../storage-engine/image-service/image-service.ts';

export async function* diskBytes(
  images: Pick<ImageService, 'readBlocks'>,
  tenant: string,
  version: string,
  blockSize: number,
  start: number,
  end: number,
): AsyncGenerator<Uint8Array> {
  const first = Math.floor(start / blockSize);
  const last = Math.floor(end / blockSize);
  const zeros = new Uint8Array(blockSize);
  for await (const b of images.readBlocks(tenant, version, [{ first, count: last - first + 1 }])) {
    const at = b.index * blockSize;
    const from = Math.max(start, at) - at;
    const to = Math.min(end + 1, at + blockSize) - at;
    yield (b.data ?? zeros).subarray(from, to);
  }
}
