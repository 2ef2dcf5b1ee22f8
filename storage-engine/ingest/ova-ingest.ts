/**
 * An OVA: a tar whose first member is the OVF descriptor, followed by the disk files it names.
 * Each disk is decoded from its member as it streams past, into its own sink. A VMDK descriptor
 * member is completed by the flat extent members that follow it.
 */
import tar from 'tar-stream';
import { once } from 'node:events';
import type { DecodeLimits } from '../formats/format.ts';
import type { IngestedDisk, SinkFactory } from './ingest-types.ts';
import { parseOvf, type OvfVm } from '../formats/ova/ovf.ts';
import { checkEntryName } from '../formats/ova/tar-path.ts';
import { looksLikeVmdkDescriptor } from '../formats/detect.ts';
import { MAX_DESCRIPTOR_BYTES, parseVmdkDescriptor } from '../formats/vmdk/descriptor.ts';
import { decodeFailed } from '../formats/decode-error.ts';
import { isRavelError } from '../../core/errors.ts';
import { DiskRun } from './disk-run.ts';
import { FlatVmdkRun } from './flat-vmdk-run.ts';
import { sniff } from './chunk-source.ts';

const MAX_OVF_BYTES = 4 * 1024 * 1024;

export interface OvaOutcome {
  readonly vm: OvfVm;
  readonly disks: readonly IngestedDisk[];
}

export async function ingestOva(
  head: Uint8Array,
  rest: AsyncIterator<Uint8Array>,
  sinkFactory: SinkFactory,
  limits: DecodeLimits,
): Promise<OvaOutcome> {
  const extract = tar.extract();
  const feeding = feed(extract, head, rest);
  try {
    const outcome = await readMembers(extract, sinkFactory, limits);
    await feeding;
    return outcome;
  } catch (e) {
    extract.destroy();
    await feeding.catch(() => undefined);
    if (isRavelError(e)) throw e;
    throw decodeFailed('bad-tar', `ova: ${e instanceof Error ? e.message : String(e)}`, 'ova');
  }
}

async function feed(extract: tar.Extract, head: Uint8Array, rest: AsyncIterator<Uint8Array>): Promise<void> {
  const closed = once(extract, 'close').catch(() => undefined);
  const write = async (c: Uint8Array): Promise<boolean> => {
    if (extract.destroyed) return false;
    if (!extract.write(c)) await Promise.race([once(extract, 'drain'), closed]);
    return !extract.destroyed;
  };
  if (!(await write(head))) return;
  for (let r = await rest.next(); r.done !== true; r = await rest.next()) {
    if (!(await write(r.value))) {
      await rest.return?.(undefined);
      return;
    }
  }
  extract.end(undefined);
}

async function readMembers(extract: tar.Extract, sinkFactory: SinkFactory, limits: DecodeLimits): Promise<OvaOutcome> {
  let vm: OvfVm | undefined;
  const done = new Map<string, IngestedDisk>();
  const flats: FlatVmdkRun[] = [];
  for await (const member of extract) {
    const entry = member;
    const bytes = bytesOf(entry);
    const name = checkEntryName(entry.header.name);
    if (entry.header.type !== 'file' && entry.header.type !== 'contiguous-file') {
      entry.resume();
      continue;
    }
    if (vm === undefined) {
      if (!name.toLowerCase().endsWith('.ovf')) {
        throw decodeFailed('ovf-not-first', `ova: the first member is ${name}, not the OVF descriptor`, 'ova');
      }
      vm = parseOvf((await readAll(bytes, MAX_OVF_BYTES, 'OVF descriptor')).toString('utf8'), limits.maxVirtualSize);
      continue;
    }
    const index = vm.disks.findIndex((d) => d.href === name);
    const disk = vm.disks[index];
    const flat = flats.find((f) => f.wants(name));
    if (disk !== undefined) {
      if (done.has(disk.diskId)) throw decodeFailed('duplicate-member', `ova: ${name} appears twice`, 'ova');
      const ref = { index, name: disk.diskId, fileName: name };
      const sink = await sinkFactory(ref);
      const { head, rest } = await sniff(bytes, 1024);
      if (looksLikeVmdkDescriptor(head)) {
        const text = Buffer.concat([head, await readAll(iterate(rest), MAX_DESCRIPTOR_BYTES, 'VMDK descriptor')]);
        flats.push(new FlatVmdkRun(ref, parseVmdkDescriptor(text.toString('latin1')), sink, limits));
        continue;
      }
      const ingested = await DiskRun.decodeAll(ref, prepend(head, rest), sink, limits);
      done.set(disk.diskId, ingested);
    } else if (flat !== undefined) {
      await flat.takeFile(name, bytes);
    } else {
      entry.resume();
    }
  }
  if (vm === undefined) throw decodeFailed('no-ovf', 'ova: the archive holds no OVF descriptor', 'ova');
  for (const f of flats) done.set(f.ref.name, await f.finish());
  const disks = vm.disks.map((d) => {
    const got = done.get(d.diskId);
    if (got === undefined) throw decodeFailed('missing-disk', `ova: disk file ${d.href} is not in the archive`, 'ova');
    if (got.virtualSize !== d.capacity) {
      throw decodeFailed('capacity-mismatch', `ova: ${d.href} holds ${got.virtualSize} bytes, the OVF says ${d.capacity}`, 'ova');
    }
    return got;
  });
  return { vm, disks };
}

async function readAll(chunks: AsyncIterable<Uint8Array>, max: number, what: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of chunks) {
    n += c.length;
    if (n > max) throw decodeFailed('too-large', `ova: ${what} is larger than ${max} bytes`, 'ova');
    parts.push(c);
  }
  return Buffer.concat(parts);
}

function iterate(it: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: () => it };
}

async function* prepend(head: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (head.length > 0) yield head;
  for (let r = await rest.next(); r.done !== true; r = await rest.next()) yield r.value;
}

async function* bytesOf(entry: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  for await (const c of entry) {
    if (!(c instanceof Uint8Array)) throw decodeFailed('bad-tar', 'ova: a member yielded no bytes', 'ova');
    yield c;
  }
}
