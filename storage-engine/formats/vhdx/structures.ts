/**
 * VHDX structures (MS-VHDX): headers, region table, metadata table. Little-endian; GUIDs are
 * compared in their canonical text form. Anything that would need a log replay or a parent, or
 * that Ravel does not know and the file marks required, is refused.
 */
import { ByteView, startsWith } from '../bytes.ts';
import { decodeFailed, unsupported } from '../decode-error.ts';
import { crc32c } from './crc32c.ts';

const F = 'vhdx';
export const KiB = 1024;
export const MiB = 1024 * 1024;

export const Region = {
  bat: '2dc27766-f623-4200-9d64-115e9bfd4a08',
  metadata: '8b7ca206-4790-4b9a-b8fe-575f050f886e',
} as const;

const Item = {
  fileParameters: 'caa16737-fa36-4d43-b3b6-33f0aa44e76b',
  virtualDiskSize: '2fa54224-cd1b-4876-b211-5dbed83bf4b8',
  logicalSectorSize: '8141bf1d-a96f-4709-ba47-f233a8faab5f',
  physicalSectorSize: 'cda348c7-445d-4471-9cc9-e9885251c556',
  page83: 'beca12ab-b2e6-4523-93ef-c309e000c746',
  parentLocator: 'a8d35f2d-b30b-454d-abf7-d3d84834ab0c',
} as const;

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

export function guidAt(v: ByteView, o: number): string {
  const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
  const tail = [...v.bytes.subarray(o + 8, o + 16)].map((x) => hex(x, 2)).join('');
  return `${hex(v.u32le(o), 8)}-${hex(v.u16le(o + 4), 4)}-${hex(v.u16le(o + 6), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}

export interface VhdxHeader {
  readonly sequence: bigint;
  readonly logOffset: number;
  readonly logLength: number;
}

/** A header if its signature and checksum hold, else undefined. */
export function parseHeader(b: Uint8Array): VhdxHeader | undefined {
  const v = new ByteView(b, 'vhdx header');
  if (!startsWith(b, 'head') || crc32c(b, 4) !== v.u32le(4)) return undefined;
  if (v.u16le(66) !== 1) throw unsupported('version', `vhdx: version ${v.u16le(66)}`, F);
  if (guidAt(v, 48) !== ZERO_GUID) {
    throw unsupported('log-replay', 'vhdx: the log holds entries that need replaying; open and close the disk in Hyper-V or qemu first', F);
  }
  return { sequence: v.big64le(8), logLength: v.u32le(68), logOffset: v.u64le(72) };
}

export interface RegionEntry {
  readonly guid: string;
  readonly offset: number;
  readonly length: number;
}

/** The region table's entries if its signature and checksum hold, else undefined. */
export function parseRegionTable(b: Uint8Array): RegionEntry[] | undefined {
  const v = new ByteView(b, 'vhdx region table');
  if (!startsWith(b, 'regi') || crc32c(b, 4) !== v.u32le(4)) return undefined;
  const count = v.u32le(8);
  if (count > 2047) throw decodeFailed('bad-region-table', `vhdx: ${count} regions`, F);
  const out: RegionEntry[] = [];
  for (let i = 0; i < count; i++) {
    const o = 16 + i * 32;
    const guid = guidAt(v, o);
    const entry = { guid, offset: v.u64le(o + 16), length: v.u32le(o + 24) };
    const required = (v.u32le(o + 28) & 1) !== 0;
    if (guid !== Region.bat && guid !== Region.metadata && required) {
      throw unsupported('required-region', `vhdx: unknown required region ${guid}`, F);
    }
    if (entry.offset % MiB !== 0 || entry.length % MiB !== 0) throw decodeFailed('misaligned', 'vhdx: region not MiB-aligned', F);
    out.push(entry);
  }
  return out;
}

export interface VhdxMetadata {
  readonly blockSize: number;
  readonly virtualSize: number;
  readonly logicalSectorSize: number;
}

export function parseMetadata(b: Uint8Array): VhdxMetadata {
  const v = new ByteView(b, 'vhdx metadata');
  if (!startsWith(b, 'metadata')) throw decodeFailed('bad-magic', 'vhdx: metadata table signature', F);
  const count = v.u16le(10);
  const items = new Map<string, ByteView>();
  for (let i = 0; i < count; i++) {
    const o = 32 + i * 32;
    const id = guidAt(v, o);
    const at = v.u32le(o + 16);
    const length = v.u32le(o + 20);
    const required = (v.u32le(o + 24) & 4) !== 0;
    if (id === Item.parentLocator) throw unsupported('parent', 'vhdx: a differencing disk names a parent outside the upload', F);
    if (required && !Object.values(Item).includes(id as never)) {
      throw unsupported('required-metadata', `vhdx: unknown required metadata ${id}`, F);
    }
    if (at + length > b.length) throw decodeFailed('out-of-range', `vhdx: metadata item ${id} lies outside its region`, F);
    items.set(id, new ByteView(b.subarray(at, at + length), `vhdx metadata ${id}`));
  }
  const item = (id: string): ByteView => {
    const x = items.get(id);
    if (x === undefined) throw decodeFailed('missing-metadata', `vhdx: metadata item ${id} is missing`, F);
    return x;
  };
  const params = item(Item.fileParameters);
  const blockSize = params.u32le(0);
  if ((params.u32le(4) & 2) !== 0) throw unsupported('parent', 'vhdx: a differencing disk names a parent outside the upload', F);
  if (blockSize < MiB || blockSize > 256 * MiB || (blockSize & (blockSize - 1)) !== 0) {
    throw decodeFailed('bad-block-size', `vhdx: block size ${blockSize}`, F);
  }
  const logicalSectorSize = item(Item.logicalSectorSize).u32le(0);
  if (logicalSectorSize !== 512 && logicalSectorSize !== 4096) {
    throw decodeFailed('bad-sector-size', `vhdx: logical sector size ${logicalSectorSize}`, F);
  }
  const virtualSize = item(Item.virtualDiskSize).u64le(0);
  if (virtualSize % logicalSectorSize !== 0) throw decodeFailed('bad-size', 'vhdx: size is not whole sectors', F);
  return { blockSize, virtualSize, logicalSectorSize };
}
