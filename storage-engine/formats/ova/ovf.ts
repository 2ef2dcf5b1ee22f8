/**
 * The OVF descriptor of an OVA: the virtual machine's name, CPUs, memory, NICs and disks (with
 * the files that hold them and their capacities). Only what a library VM needs is read; the
 * rest of the envelope is ignored.
 */
import { XMLParser } from 'fast-xml-parser';
import { decodeFailed, tooLarge, unsupported } from '../decode-error.ts';
import { checkEntryName } from './tar-path.ts';

export interface OvfDisk {
  readonly diskId: string;
  /** The OVA member holding the disk. */
  readonly href: string;
  /** Capacity in bytes, as the descriptor declares it. */
  readonly capacity: number;
  /** The format URI the descriptor gives, if any (never trusted: content decides). */
  readonly format?: string;
}

export interface OvfNic {
  readonly network?: string;
  readonly adapterType?: string;
}

export interface OvfVm {
  readonly name: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly disks: readonly OvfDisk[];
  readonly nics: readonly OvfNic[];
}

const ResourceType = { cpu: '3', memory: '4', nic: '10', disk: '17' } as const;
const lists = new Set(['File', 'Disk', 'Item', 'Network', 'VirtualSystem', 'HostResource']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => lists.has(name),
});

type Node = Record<string, unknown>;

export function parseOvf(xml: string, maxVirtualSize: number): OvfVm {
  let doc: Node;
  try {
    doc = parser.parse(xml, true) as Node;
  } catch (e) {
    throw decodeFailed('bad-ovf', `ovf: not well-formed XML (${e instanceof Error ? e.message : String(e)})`, 'ova');
  }
  const env = node(doc['Envelope'], 'Envelope');
  const files = new Map<string, string>();
  for (const f of arr(node(env['References'] ?? {}, 'References')['File'])) {
    const id = attr(f, 'id');
    const href = attr(f, 'href');
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) {
      throw unsupported('external-reference', `ovf: file ${href} lies outside the upload`, 'ova');
    }
    checkEntryName(href);
    files.set(id, href);
  }
  const disks = arr(node(env['DiskSection'] ?? {}, 'DiskSection')['Disk']).map((d): OvfDisk => {
    const diskId = attr(d, 'diskId');
    const fileRef = attr(d, 'fileRef');
    const href = files.get(fileRef);
    if (href === undefined) throw decodeFailed('bad-ovf', `ovf: disk ${diskId} names unknown file ${fileRef}`, 'ova');
    const capacity = Number(attr(d, 'capacity')) * allocationUnits(optAttr(d, 'capacityAllocationUnits'));
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw decodeFailed('bad-ovf', `ovf: disk ${diskId} has a bad capacity`, 'ova');
    }
    if (capacity > maxVirtualSize) {
      throw tooLarge('virtual-size', `ovf: disk ${diskId} capacity ${capacity} exceeds ${maxVirtualSize}`, 'ova');
    }
    const format = optAttr(d, 'format');
    return format === undefined ? { diskId, href, capacity } : { diskId, href, capacity, format };
  });
  const system = firstSystem(env);
  const name = text(system['Name']) ?? optAttr(system, 'id') ?? 'vm';
  const hw = node(system['VirtualHardwareSection'] ?? {}, 'VirtualHardwareSection');
  let cpus = 1;
  let memoryBytes = 0;
  const nics: OvfNic[] = [];
  for (const item of arr(hw['Item'])) {
    const type = text(item['ResourceType']);
    const quantity = Number(text(item['VirtualQuantity']) ?? '0');
    if (type === ResourceType.cpu) cpus = positive(quantity, 'CPU count');
    if (type === ResourceType.memory) {
      memoryBytes = positive(quantity * allocationUnits(text(item['AllocationUnits']) ?? 'byte * 2^20'), 'memory');
    }
    if (type === ResourceType.nic) {
      const network = text(item['Connection']);
      const adapterType = text(item['ResourceSubType']);
      nics.push({ ...(network === undefined ? {} : { network }), ...(adapterType === undefined ? {} : { adapterType }) });
    }
  }
  return { name, cpus, memoryBytes, disks, nics };
}

/** `byte * 2^30`, `byte * 1024`, `MegaBytes`...: the multiplier in bytes. */
export function allocationUnits(units: string | undefined): number {
  if (units === undefined) return 1;
  const u = units.replace(/\s+/g, '');
  const pow = /^byte(?:\*(\d+)\^(\d+))?$/i.exec(u);
  if (pow !== null) return pow[1] === undefined ? 1 : Number(pow[1]) ** Number(pow[2]);
  const mul = /^byte\*(\d+)$/i.exec(u);
  if (mul !== null) return Number(mul[1]);
  const named: Record<string, number> = { kilobytes: 2 ** 10, megabytes: 2 ** 20, gigabytes: 2 ** 30 };
  const n = named[u.toLowerCase()];
  if (n === undefined) throw decodeFailed('bad-ovf', `ovf: unknown allocation units ${units}`, 'ova');
  return n;
}

function firstSystem(env: Node): Node {
  const direct = arr(env['VirtualSystem'])[0];
  if (direct !== undefined) return direct;
  const coll = env['VirtualSystemCollection'];
  const nested = coll === undefined ? undefined : arr(node(coll, 'VirtualSystemCollection')['VirtualSystem'])[0];
  if (nested === undefined) throw decodeFailed('bad-ovf', 'ovf: no VirtualSystem', 'ova');
  return nested;
}

function positive(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw decodeFailed('bad-ovf', `ovf: bad ${what}`, 'ova');
  return n;
}

function node(v: unknown, what: string): Node {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw decodeFailed('bad-ovf', `ovf: missing or malformed ${what}`, 'ova');
  }
  return v as Node;
}

function arr(v: unknown): Node[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => node(x, 'element'));
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object' && v !== null && '#text' in v) return text((v as Node)['#text']);
  return undefined;
}

function optAttr(n: Node, name: string): string | undefined {
  const v = n[`@${name}`];
  return typeof v === 'string' ? v : undefined;
}

function attr(n: Node, name: string): string {
  const v = optAttr(n, name);
  if (v === undefined) throw decodeFailed('bad-ovf', `ovf: missing attribute ${name}`, 'ova');
  return v;
}
