/**
 * The qcow2 header (versions 2 and 3) and its extensions, big-endian. Everything that would make
 * the image read from outside the upload (a backing file, an external data file) or that Ravel
 * cannot decode (encryption, zstd, extended L2 entries, unknown incompatible features) is
 * refused here, before any data is written.
 */
import { ByteView, startsWith } from '../bytes.ts';
import { decodeFailed, tooLarge, unsupported } from '../decode-error.ts';
import type { DecodeLimits } from '../format.ts';

const F = 'qcow2';

export const Incompatible = { dirty: 1n, corrupt: 2n, dataFile: 4n, compressionType: 8n, extendedL2: 16n } as const;
const known = Incompatible.dirty | Incompatible.corrupt | Incompatible.dataFile | Incompatible.compressionType | Incompatible.extendedL2;

const Extension = { end: 0, backingFormat: 0xe2792aca, encryption: 0x0537be77, dataFile: 0x44415441 } as const;

export interface Qcow2Header {
  readonly version: number;
  readonly clusterBits: number;
  readonly clusterSize: number;
  readonly size: number;
  readonly l1Entries: number;
  readonly l1Offset: number;
  readonly refcountTableOffset: number;
  readonly refcountTableClusters: number;
}

/** Reads the fields needed to know the cluster size: the first 104 bytes suffice. */
export function clusterBitsOf(b: Uint8Array): number {
  const v = new ByteView(b, 'qcow2 header');
  if (!startsWith(b, 'QFI\xfb')) throw decodeFailed('bad-magic', 'qcow2: bad magic', F);
  const bits = v.u32be(20);
  if (bits < 9 || bits > 21) throw decodeFailed('bad-cluster-size', `qcow2: cluster_bits ${bits}`, F);
  return bits;
}

/** Parses and checks the header cluster (the header and its extensions). */
export function parseQcow2Header(cluster: Uint8Array, limits: DecodeLimits): Qcow2Header {
  const v = new ByteView(cluster, 'qcow2 header');
  const clusterBits = clusterBitsOf(cluster);
  const clusterSize = 2 ** clusterBits;
  const version = v.u32be(4);
  if (version !== 2 && version !== 3) throw unsupported('version', `qcow2: version ${version}`, F);
  if (v.big64be(8) !== 0n || v.u32be(16) !== 0) throw unsupported('backing-file', 'qcow2: the image has a backing file outside the upload', F);
  const crypt = v.u32be(32);
  if (crypt !== 0) throw unsupported('encryption', `qcow2: the image is encrypted (method ${crypt})`, F);
  const size = v.u64be(24);
  if (size > limits.maxVirtualSize) throw tooLarge('virtual-size', `qcow2: virtual size ${size} exceeds ${limits.maxVirtualSize}`, F);
  let headerLength = 72;
  if (version === 3) {
    const incompatible = v.big64be(72);
    if ((incompatible & Incompatible.dataFile) !== 0n) {
      throw unsupported('external-data-file', 'qcow2: the image keeps its data in an external file', F);
    }
    if ((incompatible & Incompatible.corrupt) !== 0n) throw decodeFailed('marked-corrupt', 'qcow2: the image is marked corrupt', F);
    if ((incompatible & Incompatible.extendedL2) !== 0n) throw unsupported('extended-l2', 'qcow2: extended L2 entries', F);
    if ((incompatible & ~known) !== 0n) throw unsupported('incompatible-feature', `qcow2: unknown incompatible features ${incompatible}`, F);
    headerLength = v.u32be(100);
    if (headerLength < 104 || headerLength > clusterSize || headerLength % 8 !== 0) {
      throw decodeFailed('bad-header', `qcow2: header length ${headerLength}`, F);
    }
    if ((incompatible & Incompatible.compressionType) !== 0n) {
      const type = headerLength > 104 ? v.u8(104) : 0;
      if (type === 1) throw unsupported('zstd', 'qcow2: zstd-compressed clusters are not supported; convert with zlib compression', F);
      if (type !== 0) throw unsupported('compression-type', `qcow2: compression type ${type}`, F);
    }
    const refcountOrder = v.u32be(96);
    if (refcountOrder > 6) throw decodeFailed('bad-header', `qcow2: refcount order ${refcountOrder}`, F);
  }
  checkExtensions(v, headerLength, clusterSize);
  const l1Entries = v.u32be(36);
  const perL2 = clusterSize / 8;
  if (l1Entries * perL2 * clusterSize < size) throw decodeFailed('size-mismatch', 'qcow2: L1 table too small for the virtual size', F);
  if (l1Entries * 8 > limits.maxTableBytes) throw tooLarge('table', `qcow2: L1 table of ${l1Entries} entries`, F);
  const l1Offset = v.u64be(40);
  const refcountTableOffset = v.u64be(48);
  if (l1Offset % clusterSize !== 0 || refcountTableOffset % clusterSize !== 0) {
    throw decodeFailed('misaligned', 'qcow2: a table offset is not cluster-aligned', F);
  }
  return {
    version,
    clusterBits,
    clusterSize,
    size,
    l1Entries,
    l1Offset,
    refcountTableOffset,
    refcountTableClusters: v.u32be(56),
  };
}

function checkExtensions(v: ByteView, from: number, clusterSize: number): void {
  for (let at = from; at + 8 <= clusterSize; ) {
    const type = v.u32be(at);
    const length = v.u32be(at + 4);
    if (type === Extension.end) return;
    if (type === Extension.dataFile) throw unsupported('external-data-file', 'qcow2: the image names an external data file', F);
    if (type === Extension.encryption) throw unsupported('encryption', 'qcow2: the image carries an encryption header', F);
    at += 8 + Math.ceil(length / 8) * 8;
  }
}
