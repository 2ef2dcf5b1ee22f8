/**
 * The 512-byte VHD footer (also copied at the start of a dynamic VHD). Big-endian fields; the
 * checksum is the one's complement of the byte sum with the checksum field taken as zero.
 */
import { ByteView, startsWith } from '../bytes.ts';
import { decodeFailed, unsupported } from '../decode-error.ts';

export const VHD_FOOTER_SIZE = 512;

export const VhdDiskType = { fixed: 2, dynamic: 3, differencing: 4 } as const;

export interface VhdFooter {
  readonly diskType: number;
  /** Offset of the dynamic disk header; all ones for a fixed disk. */
  readonly dataOffset: bigint;
  readonly currentSize: number;
}

export function hasVhdCookie(b: Uint8Array): boolean {
  return startsWith(b, 'conectix');
}

export function vhdChecksum(b: Uint8Array, checksumAt: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) {
    if (i < checksumAt || i >= checksumAt + 4) sum = (sum + (b[i] ?? 0)) >>> 0;
  }
  return ~sum >>> 0;
}

/** Parses and checks a footer; a bad checksum or an unknown disk type is refused. */
export function parseVhdFooter(bytes: Uint8Array): VhdFooter {
  const v = new ByteView(bytes, 'vhd footer');
  if (bytes.length < VHD_FOOTER_SIZE || !hasVhdCookie(bytes)) {
    throw decodeFailed('bad-magic', 'vhd footer: missing conectix cookie', 'vhd');
  }
  if (vhdChecksum(bytes, 64, VHD_FOOTER_SIZE) !== v.u32be(64)) {
    throw decodeFailed('bad-checksum', 'vhd footer: checksum does not match', 'vhd');
  }
  const diskType = v.u32be(60);
  if (diskType === VhdDiskType.differencing) {
    throw unsupported('differencing', 'vhd: differencing disks refer to a parent outside the upload', 'vhd');
  }
  if (diskType !== VhdDiskType.fixed && diskType !== VhdDiskType.dynamic) {
    throw decodeFailed('bad-disk-type', `vhd footer: unknown disk type ${diskType}`, 'vhd');
  }
  return { diskType, dataOffset: v.big64be(16), currentSize: v.u64be(48) };
}
