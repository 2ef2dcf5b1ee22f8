/** A minimal ISO 9660 image written by hand: system area, primary volume descriptor, terminator. */
import { seededBytes } from './fixtures.ts';

export function buildIso(label: string, sectors = 24, declaredSectors = sectors): Uint8Array {
  const iso = new Uint8Array(sectors * 2048);
  const pvd = new DataView(iso.buffer, 16 * 2048, 2048);
  const put = (at: number, s: string): void => {
    for (let i = 0; i < s.length; i++) iso[16 * 2048 + at + i] = s.charCodeAt(i);
  };
  pvd.setUint8(0, 1);
  put(1, 'CD001');
  pvd.setUint8(6, 1);
  put(8, ' '.repeat(32));
  put(40, label.padEnd(32, ' '));
  pvd.setUint32(80, declaredSectors, true);
  pvd.setUint32(84, declaredSectors, false);
  pvd.setUint16(128, 2048, true);
  pvd.setUint16(130, 2048, false);
  iso[17 * 2048] = 255;
  iso.set([...'CD001'].map((c) => c.charCodeAt(0)), 17 * 2048 + 1);
  iso[17 * 2048 + 6] = 1;
  iso.set(seededBytes(2048 * 4, 3), 18 * 2048);
  return iso;
}
