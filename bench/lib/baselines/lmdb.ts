/** Raw LMDB (the `lmdb` package, no Ravel code): 64 KiB puts and gets, MB/s. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { open } from 'lmdb';

export interface LmdbBaseline {
  putMBps: number;
  getMBps: number;
}

export async function measureLmdb(totalBytes: number, valueBytes = 64 * 1024): Promise<LmdbBaseline> {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-bench-lmdb-'));
  const db = open<Buffer, number>({ path: dir, keyEncoding: 'uint32', encoding: 'binary', compression: false });
  try {
    const count = Math.max(16, Math.floor(totalBytes / valueBytes));
    const values = Array.from({ length: 64 }, () => randomBytes(valueBytes));
    let start = process.hrtime.bigint();
    // Batches of 64 puts in one transaction each, then wait for the sync: what "on disk" costs.
    for (let i = 0; i < count; i += 64) {
      await db.transaction(() => {
        for (let j = i; j < Math.min(count, i + 64); j++) void db.put(j, values[j % 64] as Buffer);
      });
    }
    await db.flushed;
    const putSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    start = process.hrtime.bigint();
    let sum = 0;
    for (let i = 0; i < count; i++) sum += db.getBinaryFast(i)?.length ?? 0;
    const getSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (sum !== count * valueBytes) throw new Error('lmdb baseline read back the wrong size');
    return { putMBps: (count * valueBytes) / 1e6 / putSeconds, getMBps: (count * valueBytes) / 1e6 / getSeconds };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
