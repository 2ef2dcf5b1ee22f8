/**
 * Test fixtures: raw disks with random, repeated and zero regions, images converted from them
 * by qemu-img at test time, and ingest into memory sinks.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MemorySink } from '../../ingest/memory-sink.ts';
import { isRavelError } from '../../../core/errors.ts';
import { ingest, type IngestOptions, type IngestResult } from '../../ingest/ingest.ts';
import type { DiskRef } from '../../ingest/ingest-types.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;

/** A deterministic generator, so a failing case can be made again. */
export function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A raw disk of `mib` MiB: random, zero, repeated and partly-zero regions in turn. */
export function makeRaw(mib: number, seed = 7): Uint8Array {
  const raw = new Uint8Array(mib * MiB);
  const pattern = seededBytes(4096, seed + 1);
  for (let at = 0, region = 0; at < raw.length; at += 256 * 1024, region++) {
    const n = Math.min(256 * 1024, raw.length - at);
    switch (region % 4) {
      case 0:
        raw.set(seededBytes(n, seed + region), at);
        break;
      case 2:
        for (let o = 0; o < n; o += pattern.length) raw.set(pattern.subarray(0, Math.min(pattern.length, n - o)), at + o);
        break;
      case 3:
        raw.set(seededBytes(512, seed + region), at + 4096 * 3);
        break;
      default:
        break;
    }
  }
  return raw;
}

/**
 * A raw disk of `mib` MiB in 1 MiB regions cycling random, filled with 7, and zero: whole
 * grains and clusters of each kind, so images hold incompressible, tiny and absent ones in turn.
 */
export function makeMixed(mib: number, seed = 3): Uint8Array {
  const raw = new Uint8Array(mib * MiB);
  for (let i = 0; i < mib; i++) {
    if (i % 3 === 0) raw.set(seededBytes(MiB, seed + i), i * MiB);
    else if (i % 3 === 1) raw.fill(7, i * MiB, (i + 1) * MiB);
  }
  return raw;
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ravel-formats-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function qemuImg(args: readonly string[]): Promise<string> {
  const { stdout } = await run('qemu-img', args, { maxBuffer: 16 * MiB });
  return stdout;
}

/** Converts a raw disk with `qemu-img convert -O format ...extra` and returns the image. */
export async function convertRaw(raw: Uint8Array, format: string, extra: readonly string[] = []): Promise<Uint8Array> {
  return withTempDir(async (dir) => {
    const src = join(dir, 'src.raw');
    const dst = join(dir, `out.${format}`);
    await writeFile(src, raw);
    await qemuImg(['convert', '-f', 'raw', '-O', format, ...extra, src, dst]);
    return new Uint8Array(await readFile(dst));
  });
}

/** The bytes as a stream of chunks of `size` (the last shorter). */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, Math.min(at + size, bytes.length));
}

export interface Ingested {
  readonly result: IngestResult;
  readonly sinks: Map<string, MemorySink>;
}

/** Ingests `bytes` in chunks into memory sinks, one per disk. */
export async function ingestBytes(bytes: Uint8Array, chunkSize = 64 * 1024, options: IngestOptions = {}): Promise<Ingested> {
  const sinks = new Map<string, MemorySink>();
  const factory = (ref: DiskRef): MemorySink => {
    const s = new MemorySink();
    sinks.set(ref.name, s);
    return s;
  };
  const result = await ingest(chunked(bytes, chunkSize), factory, options);
  return { result, sinks };
}

/** The single disk's sink of an ingest. */
export function onlySink(i: Ingested): MemorySink {
  const s = i.sinks.get('disk');
  if (s === undefined) throw new Error('no sink was asked for');
  return s;
}

/** `raw` grown with zeros to `size`: what a format that rounds the size up holds. */
export function padded(raw: Uint8Array, size: number): Uint8Array {
  if (size === raw.length) return raw;
  const out = new Uint8Array(size);
  out.set(raw.subarray(0, Math.min(size, raw.length)));
  return out;
}

/** Ingests an image in a few chunkings and checks it decodes to exactly `raw`, hashes included. */
export async function assertDecodesTo(image: Uint8Array, raw: Uint8Array, format: string, chunks = [1 << 20, 4099]): Promise<MemorySink> {
  let sink: MemorySink | undefined;
  for (const size of chunks) {
    const got = await ingestBytes(image, size);
    const r = got.result;
    if (r.kind !== 'disk') throw new Error(`expected one disk, got ${r.kind}`);
    assert.equal(r.disk.format, format);
    assert.equal(r.disk.virtualSize, raw.length);
    assert.equal(r.uploadBytes, image.length);
    assert.equal(r.uploadSha256, sha256(image));
    assert.equal(r.disk.logicalSha256, sha256(raw));
    sink = onlySink(got);
    assert.ok(Buffer.from(await sink.contents()).equals(raw), `${format} in chunks of ${size} decodes bit-identical`);
    assert.equal(sink.stagedBytes, 0, 'nothing left staged');
  }
  if (sink === undefined) throw new Error('no chunk sizes');
  return sink;
}

/** A predicate for assert.rejects: a RavelError with this code and details.reason. */
export function refusedWith(code: string, reason: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isRavelError(e), `a RavelError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.details?.['reason'], reason, e.message);
    return true;
  };
}

/** A raw disk as a monolithicFlat VMDK: its descriptor (naming `d2-flat.vmdk`) and the flat extent. */
export async function flatVmdk(raw: Uint8Array): Promise<{ descriptor: Uint8Array; extent: Uint8Array }> {
  return withTempDir(async (dir) => {
    await writeFile(join(dir, 'src.raw'), raw);
    await qemuImg(['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicFlat', join(dir, 'src.raw'), join(dir, 'd2.vmdk')]);
    return { descriptor: await readFile(join(dir, 'd2.vmdk')), extent: await readFile(join(dir, 'd2-flat.vmdk')) };
  });
}
