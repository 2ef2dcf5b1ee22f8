/**
 * The text descriptor of a VMDK: its create type and extents. Only extents whose data can lie
 * inside the upload are accepted (FLAT/VMFS files that are members of the same OVA, and ZERO
 * extents); anything that refers to a parent or to other files is refused by the caller.
 */
import { decodeFailed, unsupported } from '../decode-error.ts';
import { checkEntryName } from '../ova/tar-path.ts';

export const MAX_DESCRIPTOR_BYTES = 64 * 1024;
const SECTOR = 512;

export type VmdkExtent =
  | {
      readonly kind: 'flat';
      readonly file: string;
      readonly logicalOffset: number;
      readonly bytes: number;
      /** Where the extent's data starts in its file. */
      readonly fileOffset: number;
    }
  | { readonly kind: 'zero'; readonly logicalOffset: number; readonly bytes: number };

export interface VmdkDescriptor {
  readonly createType: string;
  readonly extents: readonly VmdkExtent[];
  readonly virtualSize: number;
}

const extentLine = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?\s*$/;

export function parseVmdkDescriptor(text: string): VmdkDescriptor {
  let createType = '';
  const extents: VmdkExtent[] = [];
  let logical = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\0+$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const kv = /^([\w.]+)\s*=\s*"?([^"]*)"?$/.exec(line);
    if (kv !== null) {
      const [, key, value] = kv;
      if (key === 'createType') createType = value ?? '';
      if (key === 'parentFileNameHint' && value !== undefined && value !== '') {
        throw unsupported('parent', 'vmdk: the descriptor names a parent disk outside the upload', 'vmdk');
      }
      continue;
    }
    const m = extentLine.exec(line);
    if (m === null) throw decodeFailed('bad-descriptor', `vmdk descriptor: cannot read line ${JSON.stringify(line.slice(0, 80))}`, 'vmdk');
    const bytes = Number(m[2]) * SECTOR;
    const type = (m[3] ?? '').toUpperCase();
    if (!Number.isSafeInteger(bytes)) throw decodeFailed('bad-descriptor', 'vmdk descriptor: extent too large', 'vmdk');
    if (type === 'ZERO') {
      extents.push({ kind: 'zero', logicalOffset: logical, bytes });
    } else if (type === 'FLAT' || type === 'VMFS') {
      if (m[4] === undefined) throw decodeFailed('bad-descriptor', 'vmdk descriptor: flat extent without a file', 'vmdk');
      const file = checkEntryName(m[4]);
      const fileOffset = Number(m[5] ?? '0') * SECTOR;
      extents.push({ kind: 'flat', file, logicalOffset: logical, bytes, fileOffset });
    } else {
      throw unsupported('extent-type', `vmdk descriptor: ${type} extents are not accepted`, 'vmdk');
    }
    logical += bytes;
  }
  if (extents.length === 0) throw decodeFailed('bad-descriptor', 'vmdk descriptor: no extents', 'vmdk');
  return { createType, extents, virtualSize: logical };
}
