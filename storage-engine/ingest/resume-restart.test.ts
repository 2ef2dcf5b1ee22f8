/**
 * Resumable ingest across a restart of the store: each format is cut at several points, the
 * store is closed and opened again (all the decoder's and sink's memory gone), and the ingest
 * goes on from the checkpoint LMDB holds; the disk must equal `qemu-img convert -O raw` of the
 * image. Then a writer process is killed (-9) at random moments, checkpoints included, and
 * resumed each time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRavelError } from '../../core/errors.ts';
import { openLmdbBlockStore, type LmdbBlockStore } from '../lmdb/lmdb-block-store.ts';
import { convertRaw, makeRaw, qemuImg, sha256 } from '../formats/testing/fixtures.ts';
import { moveTablesToEnd } from '../formats/qcow2/qcow2-edit.ts';
import { buildOva, buildOvf } from '../formats/testing/ova-builder.ts';
import { prng } from '../block-store.conformance.ts';
import { ingestResumable } from './resumable-ingest.ts';
import type { IngestCheckpoint } from './ingest-types.ts';

const raw = makeRaw(4, 91);
const T = 'tenant-r';

const formats: ReadonlyArray<readonly [string, () => Promise<Uint8Array>]> = [
  ['qcow2', () => convertRaw(raw, 'qcow2')],
  // Every data cluster comes before the table that maps it: all of it is staged at each cut.
  ['qcow2 with its tables at the end', async () => moveTablesToEnd(await convertRaw(raw, 'qcow2'))],
  ['compressed qcow2', () => convertRaw(raw, 'qcow2', ['-c'])],
  ['VHDX', () => convertRaw(raw, 'vhdx', ['-o', 'block_size=1M'])],
  ['dynamic VHD', () => convertRaw(raw, 'vpc', ['-o', 'subformat=dynamic,force_size=on'])],
  ['sparse VMDK', () => convertRaw(raw, 'vmdk')],
  ['stream-optimized VMDK', () => convertRaw(raw, 'vmdk', ['-o', 'subformat=streamOptimized'])],
  ['raw', async () => raw],
];

/** What qemu-img reads the image as. */
async function qemuRaw(dir: string, image: Uint8Array): Promise<Uint8Array> {
  const src = join(dir, 'image');
  const dst = join(dir, 'expected.raw');
  writeFileSync(src, image);
  await qemuImg(['convert', '-O', 'raw', src, dst]);
  return new Uint8Array(readFileSync(dst));
}

/** Yields the image from `from`, then fails at `cutAt` (if set), like a dropped connection. */
async function* upload(image: Uint8Array, from: number, cutAt?: number): AsyncGenerator<Uint8Array> {
  const end = cutAt ?? image.length;
  for (let at = from; at < end; at += 50_021) yield image.subarray(at, Math.min(at + 50_021, end));
  if (cutAt !== undefined) throw new Error('connection reset');
}

async function versionBytes(store: LmdbBlockStore, version: string, size: number): Promise<Buffer> {
  return Buffer.from(await store.read(T, version, 0, size));
}

for (const [name, make] of formats) {
  test(`a ${name} ingest cut at 40, 70 and 97% resumes after each restart of the store, bit-identical to qemu-img`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ravel-resume-'));
    try {
      const image = await make();
      const expected = Buffer.from(await qemuRaw(dir, image));
      const path = join(dir, 'store');
      let store = await openLmdbBlockStore({ path, maintenanceIntervalMs: 0 });
      const disk = await store.createDisk(T);
      let ingestId = '';
      let saved: IngestCheckpoint | undefined;
      const options = {
        checkpointEveryBytes: 256 * 1024,
        onStarted: (id: string) => (ingestId = id),
        onSaved: (cp: IngestCheckpoint) => (saved = cp),
      };
      let target: { disk: string } | { ingestId: string } = { disk: disk.id };
      // One upload, dropped three times; each time the store restarts and the upload goes on
      // from the checkpoint LMDB holds.
      for (const fraction of [0.4, 0.7, 0.97]) {
        const cut = Math.floor(image.length * fraction);
        const before = saved?.uploadOffset ?? 0;
        let resumedAt = -1;
        await assert.rejects(
          ingestResumable(
            store,
            T,
            target,
            (from) => {
              resumedAt = from;
              return upload(image, from, cut);
            },
            options,
          ),
          (e) => isRavelError(e, 'UNAVAILABLE'),
        );
        assert.equal(resumedAt, before, 'the upload went on from the last checkpoint');
        assert.ok(saved !== undefined && saved.uploadOffset > before, `a checkpoint was saved before the cut at ${cut}`);
        await store.close();
        store = await openLmdbBlockStore({ path, maintenanceIntervalMs: 0 });
        await store.maintain();
        assert.deepEqual(await store.listDurableIngests(T), [{ id: ingestId, diskId: disk.id, checkpointed: true }]);
        target = { ingestId };
      }
      let resumedAt = -1;
      const { result, version } = await ingestResumable(store, T, target, (from) => {
        resumedAt = from;
        return upload(image, from);
      });
      assert.equal(resumedAt, saved?.uploadOffset);
      assert.ok(result.kind === 'disk');
      assert.equal(result.uploadBytes, image.length);
      assert.equal(result.uploadSha256, sha256(image));
      assert.equal(result.disk.logicalSha256, sha256(expected));
      assert.equal(version.size, expected.length);
      assert.ok((await versionBytes(store, version.id, version.size)).equals(expected), `${name} reads back bit-identical`);
      assert.deepEqual(await store.listDurableIngests(T), [], 'the finished ingest is gone');
      await store.maintain();
      const usage = await store.usage(T);
      const blocks = new Set<string>();
      for (let at = 0; at < version.size; at += store.blockSize) {
        const b = Buffer.from(await store.read(T, version.id, at, Math.min(store.blockSize, version.size - at)));
        if (b.some((x) => x !== 0)) blocks.add(sha256(b));
      }
      assert.equal(usage.storedBlocks, blocks.size, 'nothing staged is left once the ingest is done');
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('an ingest refused after a restart leaves nothing: no ingest, no version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-resume-'));
  try {
    const image = await convertRaw(raw, 'qcow2');
    const path = join(dir, 'store');
    let store = await openLmdbBlockStore({ path, maintenanceIntervalMs: 0 });
    const disk = await store.createDisk(T);
    let ingestId = '';
    const cut = image.length >> 1;
    await assert.rejects(
      ingestResumable(store, T, { disk: disk.id }, (from) => upload(image, from, cut), {
        checkpointEveryBytes: 256 * 1024,
        onStarted: (id) => (ingestId = id),
      }),
      (e) => isRavelError(e, 'UNAVAILABLE'),
    );
    await store.close();
    store = await openLmdbBlockStore({ path, maintenanceIntervalMs: 0 });
    // The rest of the upload ends short of the data its tables map: refused for good.
    const short = image.subarray(0, cut + 1000);
    await assert.rejects(
      ingestResumable(store, T, { ingestId }, (from) => upload(short, from)),
      (e) => isRavelError(e, 'DECODE_FAILED'),
    );
    assert.deepEqual(await store.listDurableIngests(T), []);
    assert.equal((await store.getDisk(T, disk.id)).head, null);
    await store.maintain();
    assert.equal((await store.usage(T)).storedBlocks, 0, 'the version and staging blocks were collected');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an OVA is refused as not-resumable at its first disk and leaves no ingest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-resume-'));
  try {
    const disk1 = makeRaw(1, 83);
    const ovf = buildOvf('vm-1', 1, 512, [{ id: 'boot', href: 'vm-1-boot.vmdk', capacity: disk1.length }], []);
    const ova = await buildOva([
      { name: 'vm-1.ovf', data: new TextEncoder().encode(ovf) },
      { name: 'vm-1-boot.vmdk', data: await convertRaw(disk1, 'vmdk', ['-o', 'subformat=streamOptimized']) },
    ]);
    const store = await openLmdbBlockStore({ path: join(dir, 'store'), maintenanceIntervalMs: 0 });
    const disk = await store.createDisk(T);
    await assert.rejects(
      ingestResumable(store, T, { disk: disk.id }, (from) => upload(ova, from)),
      (e) => isRavelError(e, 'UNSUPPORTED_FORMAT') && e.details?.['reason'] === 'not-resumable' && e.details['format'] === 'ova',
    );
    assert.deepEqual(await store.listDurableIngests(T), []);
    assert.equal((await store.getDisk(T, disk.id)).head, null);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const writer = fileURLToPath(new URL('./resume-writer.ts', import.meta.url));

/**
 * Runs the writer until it says done or is killed: `kill.afterSaves` checkpoints after its start
 * line, then `kill.delayMs` later. Counted in checkpoints, not time, so a quiet machine (where the
 * whole upload takes less than any fixed delay) still sees the writer die mid-way.
 */
function runWriter(dir: string, image: string, which: string, kill: { afterSaves: number; delayMs: number } | undefined): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, image, T, which], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (kill !== undefined && out.includes('started ') && !child.killed && (out.match(/^saved /gm)?.length ?? 0) >= kill.afterSaves) {
        setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
        kill = undefined;
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`writer exited ${code}: ${err}`));
      else resolve(out.split('\n').filter((l) => l.length > 0));
    });
  });
}

test('a writer killed (-9) at random moments (it checkpoints every 64 KiB, so kills land in and between checkpoints) resumes each time to a bit-identical disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-resume-kill-'));
  try {
    // Tables at the end: every checkpoint holds staged data that the next one may release.
    const image = moveTablesToEnd(await convertRaw(makeRaw(8, 92), 'qcow2'));
    const expected = Buffer.from(await qemuRaw(dir, image));
    const imagePath = join(dir, 'image'); // written by qemuRaw
    const path = join(dir, 'store');
    const rand = prng(4);
    let which = 'new';
    let kills = 0;
    let lastSaved = 0;
    let version: string | undefined;
    for (let round = 0; round < 10 && version === undefined; round++) {
      const kill = round < 8 ? { afterSaves: 1 + Math.floor(rand() * 12), delayMs: Math.floor(rand() * 8) } : undefined;
      const lines = await runWriter(path, imagePath, which, kill);
      // The kill is counted from this line, so every run has it.
      const started = lines.find((l) => l.startsWith('started '));
      assert.ok(started !== undefined, lines.join('\n'));
      which = started.slice('started '.length);
      const saves = lines.filter((l) => l.startsWith('saved ')).map((l) => Number(l.slice('saved '.length)));
      if (saves.length > 0) {
        assert.ok((saves[0] ?? 0) > lastSaved, 'a resumed writer goes on past the last checkpoint it announced');
        lastSaved = saves.at(-1) ?? lastSaved;
      }
      const done = lines.find((l) => l.startsWith('done '));
      if (done === undefined) kills++;
      else version = done.slice('done '.length);
    }
    assert.ok(version !== undefined, 'the writer finished');
    assert.ok(kills >= 3, `killed ${kills} times`);
    const store = await openLmdbBlockStore({ path, maintenanceIntervalMs: 0 });
    try {
      assert.ok((await versionBytes(store, version, expected.length)).equals(expected));
      assert.deepEqual(await store.listDurableIngests(T), []);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
