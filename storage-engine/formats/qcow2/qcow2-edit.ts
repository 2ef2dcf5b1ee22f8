/** Hand edits of qcow2 images for tests: reading tables and moving them after the data. */
import { concatBytes } from '../bytes.ts';

export interface Qcow2Layout {
  readonly clusterSize: number;
  readonly l1Offset: number;
  readonly l1Entries: number;
  /** Host offset of each allocated L2 table. */
  readonly l2: number[];
  readonly view: DataView;
}

export function layout(img: Uint8Array): Qcow2Layout {
  const view = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const clusterSize = 2 ** view.getUint32(20);
  const l1Entries = view.getUint32(36);
  const l1Offset = Number(view.getBigUint64(40));
  const l2: number[] = [];
  for (let i = 0; i < l1Entries; i++) {
    const at = Number(view.getBigUint64(l1Offset + i * 8) & 0x00fffffffffffe00n);
    if (at !== 0) l2.push(at);
  }
  return { clusterSize, l1Offset, l1Entries, l2, view };
}

/** Copies the L2 tables and then the L1 table to the end of the image and points at the copies. */
export function moveTablesToEnd(img: Uint8Array): Uint8Array {
  const { clusterSize, l1Offset, l1Entries } = layout(img);
  const parts: Uint8Array[] = [img];
  let end = Math.ceil(img.length / clusterSize) * clusterSize;
  parts[0] = concatBytes([img, new Uint8Array(end - img.length)]);
  const l1 = img.slice(l1Offset, l1Offset + l1Entries * 8);
  const l1View = new DataView(l1.buffer);
  for (let i = 0; i < l1Entries; i++) {
    const e = l1View.getBigUint64(i * 8);
    const at = Number(e & 0x00fffffffffffe00n);
    if (at === 0) continue;
    parts.push(img.slice(at, at + clusterSize));
    l1View.setBigUint64(i * 8, (e & ~0x00fffffffffffe00n) | BigInt(end));
    end += clusterSize;
  }
  const l1Padded = new Uint8Array(Math.ceil(l1.length / clusterSize) * clusterSize);
  l1Padded.set(l1);
  parts.push(l1Padded);
  const out = concatBytes(parts);
  new DataView(out.buffer).setBigUint64(40, BigInt(end));
  return out;
}
