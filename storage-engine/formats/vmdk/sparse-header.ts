/**
 * The header of a hosted sparse extent (`KDMV`), little-endian, in sectors. A monolithic sparse
 * VMDK and a stream-optimized one both start with it; the latter sets the markers flag and
 * places its grain directory at the end (gdOffset all ones).
 */
import { ByteView, startsWith } from '../bytes.ts';
import { decodeFailed, tooLarge, unsupported } from '../decode-error.ts';
import type { DecodeLimits } from '../format.ts';

export const SECTOR = 512;
export const GD_AT_END = 0xffffffffffffffffn;
const FLAG_COMPRESSED = 1 << 16;
const FLAG_ZERO_GRAIN = 1 << 2;
const FLAG_MARKERS = 1 << 17;

export interface SparseHeader {
  readonly flags: number;
  readonly capacity: number;
  readonly grainBytes: number;
  readonly descriptorOffset: number;
  readonly descriptorBytes: number;
  readonly gtEntries: number;
  readonly gdOffset: bigint;
  readonly overhead: number;
  readonly compressed: boolean;
  readonly markers: boolean;
  /** Grain table entry 1 means a grain of zeros. */
  readonly zeroGrains: boolean;
}

export function parseSparseHeader(b: Uint8Array, limits: DecodeLimits, format: string): SparseHeader {
  const v = new ByteView(b, 'vmdk header');
  if (!startsWith(b, 'KDMV')) throw decodeFailed('bad-magic', 'vmdk: no KDMV magic', format);
  const version = v.u32le(4);
  if (version < 1 || version > 3) throw unsupported('version', `vmdk: version ${version}`, format);
  const flags = v.u32le(8);
  if (v.u8(73) !== 0x0a || v.u8(74) !== 0x20 || v.u8(75) !== 0x0d || v.u8(76) !== 0x0a) {
    throw decodeFailed('bad-header', 'vmdk: newline detection bytes are damaged', format);
  }
  const capacity = v.u64le(12) * SECTOR;
  const grainSectors = v.u64le(20);
  const gtEntries = v.u32le(44);
  const compression = v.u16le(77);
  if (grainSectors < 1 || grainSectors > 2048 || (grainSectors & (grainSectors - 1)) !== 0) {
    throw decodeFailed('bad-grain-size', `vmdk: grain of ${grainSectors} sectors`, format);
  }
  if (gtEntries < 1 || gtEntries > 65536) throw decodeFailed('bad-header', `vmdk: ${gtEntries} entries per grain table`, format);
  if (capacity > limits.maxVirtualSize) {
    throw tooLarge('virtual-size', `vmdk: capacity ${capacity} exceeds ${limits.maxVirtualSize}`, format);
  }
  if (compression !== 0 && compression !== 1) throw unsupported('compression', `vmdk: compression algorithm ${compression}`, format);
  const descriptorBytes = v.u64le(36) * SECTOR;
  if (descriptorBytes > 1024 * 1024) throw decodeFailed('bad-header', 'vmdk: embedded descriptor too large', format);
  return {
    flags,
    capacity,
    grainBytes: grainSectors * SECTOR,
    descriptorOffset: v.u64le(28) * SECTOR,
    descriptorBytes,
    gtEntries,
    gdOffset: v.big64le(56),
    overhead: v.u64le(64) * SECTOR,
    compressed: compression === 1 || (flags & FLAG_COMPRESSED) !== 0,
    markers: (flags & FLAG_MARKERS) !== 0,
    zeroGrains: (flags & FLAG_ZERO_GRAIN) !== 0,
  };
}

/** Refuses an embedded descriptor that points outside the upload (a parent, more extents). */
export function checkEmbeddedDescriptor(text: string, format: string): void {
  if (/^\s*parentFileNameHint\s*=\s*"[^"]+"/m.test(text)) {
    throw unsupported('parent', 'vmdk: the disk names a parent outside the upload', format);
  }
  const type = /^\s*createType\s*=\s*"?([A-Za-z]+)"?/m.exec(text)?.[1];
  if (type !== undefined && type !== 'monolithicSparse' && type !== 'streamOptimized') {
    throw unsupported('external-extent', `vmdk: ${type} disks keep extents outside the upload`, format);
  }
  const extents = text.split(/\r?\n/).filter((l) => /^\s*(RW|RDONLY|NOACCESS)\s/.test(l));
  if (extents.length > 1) throw unsupported('external-extent', 'vmdk: more than one extent', format);
}
