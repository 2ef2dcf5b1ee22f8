/**
 * Reads a VMware `.vmx` file: `key = "value"` lines, keys case-insensitive, special characters
 * in values written as `|XX` (hex). Takes `displayName`, `numvcpus`, `memsize` (MB), every
 * present disk or CD-ROM on ide/scsi/sata/nvme controllers (`scsi0:1.fileName`), and every
 * present `ethernetN`. Anything malformed is an INVALID_ARGUMENT naming the key.
 */
import { RavelError } from '../../core/errors.ts';
import type { ControllerKind, VmwareDisk, VmwareNic, VmwareVm } from './vmware-vm.ts';

const bad = (message: string): RavelError => new RavelError('INVALID_ARGUMENT', `vmx: ${message}`);

/** The key/value pairs of a .vmx, keys lower-cased. */
export function parseVmxEntries(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('.encoding')) continue;
    const m = /^([A-Za-z0-9_.:\-[\]]+)\s*=\s*"(.*)"\s*$/.exec(line) ?? /^([A-Za-z0-9_.:\-[\]]+)\s*=\s*(\S*)\s*$/.exec(line);
    if (m === null) throw bad(`line ${n + 1} is not key = "value"`);
    entries.set((m[1] as string).toLowerCase(), decodeValue(m[2] as string));
  }
  return entries;
}

function decodeValue(v: string): string {
  return v.replace(/\|([0-9A-Fa-f]{2})/g, (_s, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const yes = (v: string | undefined): boolean => v !== undefined && /^(true|yes|1)$/i.test(v);

function count(entries: Map<string, string>, key: string, fallback: number, max: number): number {
  const v = entries.get(key);
  if (v === undefined) return fallback;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1 || Number(v) > max) throw bad(`${key} = "${v}" is not a count from 1 to ${max}`);
  return Number(v);
}

const DISK_KEY = /^(ide|scsi|sata|nvme)(\d+):(\d+)\.filename$/;

export function parseVmx(text: string, fallbackName: string): VmwareVm {
  const e = parseVmxEntries(text);
  const disks: VmwareDisk[] = [];
  for (const [key, file] of e) {
    const m = DISK_KEY.exec(key);
    if (m === null) continue;
    const prefix = key.slice(0, -'.filename'.length);
    const [controller, controllerIndex, unit] = [m[1] as ControllerKind, Number(m[2]), Number(m[3])];
    if (!yes(e.get(`${prefix}.present`)) || !yes(e.get(`${controller}${controllerIndex}.present`) ?? 'true')) continue;
    const type = (e.get(`${prefix}.devicetype`) ?? 'disk').toLowerCase();
    const cdrom = type.includes('cdrom');
    // A CD-ROM drive with nothing in it, or passed through from the host, has no file to bring.
    if (cdrom && (type !== 'cdrom-image' || file === '' || yes(e.get(`${prefix}.autodetect`)))) continue;
    if (file === '') throw bad(`${key} is empty`);
    disks.push({ file, cdrom, controller, controllerIndex, unit });
  }
  disks.sort((a, b) => order(a) - order(b));
  const nics: VmwareNic[] = [];
  for (let i = 0; i < 32; i++) {
    const p = `ethernet${i}`;
    if (!yes(e.get(`${p}.present`))) continue;
    const adapter = e.get(`${p}.virtualdev`) ?? 'e1000';
    const addressType = (e.get(`${p}.addresstype`) ?? 'generated').toLowerCase();
    const mac = addressType === 'static' ? e.get(`${p}.address`) : undefined;
    const network = e.get(`${p}.networkname`);
    nics.push({ adapter, ...(mac === undefined ? {} : { mac }), ...(network === undefined ? {} : { network }) });
  }
  const memoryMb = count(e, 'memsize', 0, 16 * 1024 * 1024);
  if (memoryMb === 0) throw bad('memsize is missing');
  return {
    name: e.get('displayname') ?? fallbackName,
    cpus: count(e, 'numvcpus', 1, 1024),
    memoryMb,
    disks,
    nics,
    source: 'vmx',
  };
}

/** Boot order as VMware firmware tries disks: ide, then sata, scsi, nvme; by controller, then unit. */
function order(d: VmwareDisk): number {
  const kind = { ide: 0, sata: 1, scsi: 2, nvme: 3 }[d.controller];
  return (d.cdrom ? 1e6 : 0) + kind * 1e4 + d.controllerIndex * 100 + d.unit;
}
