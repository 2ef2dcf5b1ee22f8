/**
 * The grain directory and tables of a stream-optimized VMDK that keeps them ahead of its grains.
 * VMware's writers put them at the end, behind markers, and close with an end-of-stream marker;
 * qemu-img writes them between the descriptor and the first grain (the header's gdOffset points
 * there) and ends the file after the last grain, with no footer and no end-of-stream marker.
 * Read as they pass, they say how many grains the stream must hold, so its end can be checked.
 */
import { ByteView } from '../bytes.ts';
import { decodeFailed, tooLarge } from '../decode-error.ts';
import type { DecodeLimits } from '../format.ts';
import { GD_AT_END, SECTOR, type SparseHeader } from './sparse-header.ts';

const F = 'vmdk-stream';

/** Upload offset and length of the grain directory, if it lies after `from` and before the grains. */
export function leadingDirectory(h: SparseHeader, from: number, limits: DecodeLimits): { offset: number; bytes: number } | undefined {
  if (h.gdOffset === GD_AT_END || h.gdOffset > BigInt(Math.floor(h.overhead / SECTOR))) return undefined;
  const offset = Number(h.gdOffset) * SECTOR;
  const tables = Math.ceil(h.capacity / (h.grainBytes * h.gtEntries));
  if (tables * h.gtEntries * 4 > limits.maxTableBytes) throw tooLarge('table', `vmdk: ${tables} grain tables`, F);
  const bytes = tables * 4;
  return offset >= from && offset + bytes <= h.overhead ? { offset, bytes } : undefined;
}

/** A grain table still to read: where it lies, and how many of its entries fall inside the disk. */
export interface LeadingTable {
  readonly offset: number;
  readonly entries: number;
}

/**
 * The grain tables the directory lists, in upload order, or undefined when they cannot all be
 * read in passing before the grains (out of order, overlapping, or past them).
 */
export function leadingTables(
  gd: Uint8Array,
  from: number,
  h: Pick<SparseHeader, 'capacity' | 'grainBytes' | 'gtEntries' | 'overhead'>,
): LeadingTable[] | undefined {
  const v = new ByteView(gd, 'vmdk grain directory');
  const tableBytes = h.gtEntries * 4;
  const tables: LeadingTable[] = [];
  let next = from;
  for (let i = 0; i < gd.length / 4; i++) {
    const sector = v.u32le(i * 4);
    if (sector === 0) continue;
    const offset = sector * SECTOR;
    if (offset < next || offset + tableBytes > h.overhead) return undefined;
    next = offset + tableBytes;
    const base = i * h.gtEntries * h.grainBytes;
    tables.push({ offset, entries: Math.min(h.gtEntries, Math.ceil((h.capacity - base) / h.grainBytes)) });
  }
  return tables;
}

/** How many grains the first `entries` entries of a grain table say the stream holds. */
export function grainsListed(gt: Uint8Array, entries: number, zeroGrains: boolean): number {
  const v = new ByteView(gt, 'vmdk grain table');
  let n = 0;
  for (let j = 0; j < Math.min(entries, gt.length / 4); j++) {
    const sector = v.u32le(j * 4);
    if (sector !== 0 && !(sector === 1 && zeroGrains)) n++;
  }
  return n;
}

/** Refuses a stream that ended without an end-of-stream marker short of the grains its tables list. */
export function checkGrainCount(seen: number, listed: number, at: number): void {
  if (seen < listed) {
    throw decodeFailed('truncated', `vmdk: the stream ends at ${at} after ${seen} of the ${listed} grains its tables list`, F);
  }
}
