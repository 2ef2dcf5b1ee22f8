/**
 * ISO 9660: the logical disk is the image itself; what Ravel records is the volume label from
 * the primary volume descriptor (sector 16 of 2048 bytes) and the size the volume declares.
 */
import { ByteView, startsWith } from '../bytes.ts';

export const ISO_PVD_OFFSET = 16 * 2048;
export const ISO_SECTOR = 2048;

export interface IsoVolume {
  readonly label: string;
  /** Volume space size times logical block size: what the image must hold at least. */
  readonly volumeBytes: number;
}

/** The primary volume descriptor, or undefined if these 2048 bytes are not one. */
export function parsePrimaryVolumeDescriptor(sector: Uint8Array): IsoVolume | undefined {
  if (sector.length < ISO_SECTOR || sector[0] !== 1 || !startsWith(sector, 'CD001', 1) || sector[6] !== 1) {
    return undefined;
  }
  const v = new ByteView(sector, 'iso primary volume descriptor');
  const label = v.ascii(40, 32).replace(/[\s\0]+$/, '');
  return { label, volumeBytes: v.u32le(80) * v.u16le(128) };
}
