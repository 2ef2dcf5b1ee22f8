/**
 * Raw disk images for the storage benchmark: 64 KiB blocks in runs of random (unique),
 * repeated (one block over and over) and zero content, a third each, as real disks hold
 * installed files, filler and free space. A variant rewrites 5% of the blocks with new data.
 */
import { createWriteStream, openSync, writeSync, closeSync, copyFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';

const BLOCK = 64 * 1024;
/** Blocks per run of one kind: 1 MiB. */
const RUN = 16;

export type Kind = 'random' | 'repeated' | 'zero';

export function kindOf(block: number): Kind {
  const run = Math.floor(block / RUN) % 3;
  return run === 0 ? 'random' : run === 1 ? 'repeated' : 'zero';
}

export async function writeMixedImage(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 4 * 1024 * 1024 });
  const repeated = randomBytes(BLOCK);
  const zero = Buffer.alloc(BLOCK);
  const blocks = Math.ceil(bytes / BLOCK);
  for (let i = 0; i < blocks; i += RUN) {
    const n = Math.min(RUN, blocks - i);
    const kind = kindOf(i);
    const run = kind === 'random' ? randomBytes(n * BLOCK) : Buffer.concat(Array.from({ length: n }, () => (kind === 'zero' ? zero : repeated)));
    if (!out.write(run)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out);
}

/** A copy of `from` with 5% of its blocks, spread evenly, replaced by new random data. */
export function writeVariant(from: string, to: string, bytes: number, fraction = 0.05): number {
  copyFileSync(from, to);
  const fd = openSync(to, 'r+');
  const blocks = Math.floor(bytes / BLOCK);
  const step = Math.round(1 / fraction);
  let changed = 0;
  try {
    for (let i = 0; i < blocks; i += step) {
      writeSync(fd, randomBytes(BLOCK), 0, BLOCK, i * BLOCK);
      changed++;
    }
  } finally {
    closeSync(fd);
  }
  return changed;
}
