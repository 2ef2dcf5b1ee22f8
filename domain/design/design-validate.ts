/**
 * The rules a design must keep beyond its schema: sizes within limits, ids unique across the
 * whole design (VMs, disks, NICs, services share one id space, as the SDK's update_luids
 * assumes), a boot disk, NIC indexes and disk positions unique per VM, hostnames unique per
 * application. The first broken rule is refused with INVALID_ARGUMENT and its field path.
 */
import { RavelError } from '../../core/errors.ts';
import type { Design } from '../schemas/application.ts';
import { idKey, sizeInMb, type LocalId } from '../schemas/common.ts';
import type { VmDesign } from '../schemas/vm.ts';
import { defaultDesignLimits, type DesignLimits } from './design-limits.ts';

function bad(field: string, message: string): RavelError {
  return new RavelError('INVALID_ARGUMENT', `${field}: ${message}`, { details: { field } });
}

/** Every local id in a VM, with the path where it sits. */
export function localIdsOf(vm: VmDesign, at: string): [LocalId, string][] {
  const out: [LocalId, string][] = [[vm.id, `${at}/id`]];
  vm.hardDrives.forEach((d, i) => out.push([d.id, `${at}/hardDrives/${i}/id`]));
  vm.networkConnections.forEach((n, i) => out.push([n.id, `${at}/networkConnections/${i}/id`]));
  (vm.suppliedServices ?? []).forEach((s, i) => {
    if (s.id !== undefined) out.push([s.id, `${at}/suppliedServices/${i}/id`]);
  });
  return out;
}

/** Checks one VM alone (sizes, boot disk, indexes, service ports); throws on the first fault. */
export function validateVm(vm: VmDesign, at: string, limits: DesignLimits = defaultDesignLimits): void {
  if (vm.numCpus < limits.minCpus || vm.numCpus > limits.maxCpus) {
    throw bad(`${at}/numCpus`, `must be from ${limits.minCpus} to ${limits.maxCpus}`);
  }
  const mem = sizeInMb(vm.memorySize);
  if (mem < limits.minMemoryMb || mem > limits.maxMemoryMb) {
    throw bad(`${at}/memorySize`, `must be from ${limits.minMemoryMb} MB to ${limits.maxMemoryMb} MB`);
  }
  const positions = new Set<string>();
  vm.hardDrives.forEach((d, i) => {
    const f = `${at}/hardDrives/${i}`;
    if (d.type === 'DISK') {
      if (d.size === undefined) throw bad(`${f}/size`, 'a DISK needs a size');
      const mb = sizeInMb(d.size);
      if (mb < limits.minDiskMb || mb > limits.maxDiskMb) throw bad(`${f}/size`, `must be from ${limits.minDiskMb} MB to ${limits.maxDiskMb} MB`);
    }
    const pos = `${d.controller ?? ''}/${d.controllerIndex ?? 0}/${d.index ?? i}`;
    if (positions.has(pos)) throw bad(`${f}/index`, 'two drives at the same controller position');
    positions.add(pos);
  });
  if (!vm.hardDrives.some((d) => d.boot === true)) throw bad(`${at}/hardDrives`, 'one drive must be the boot drive');
  if (vm.hardDrives.filter((d) => d.boot === true).length > 1) throw bad(`${at}/hardDrives`, 'only one drive may be the boot drive');
  const nicIndexes = new Set<number>();
  vm.networkConnections.forEach((n, i) => {
    if (nicIndexes.has(n.device.index)) throw bad(`${at}/networkConnections/${i}/device/index`, 'NIC indexes must be unique in a VM');
    nicIndexes.add(n.device.index);
    if (n.device.useAutomaticMac === false && n.device.mac === undefined) {
      throw bad(`${at}/networkConnections/${i}/device/mac`, 'a MAC is needed when useAutomaticMac is false');
    }
  });
  (vm.suppliedServices ?? []).forEach((s, i) => {
    const [lo, hi] = parsePortRange(s.portRange);
    if (lo < 1 || hi > 65535 || lo > hi) throw bad(`${at}/suppliedServices/${i}/portRange`, 'ports from 1 to 65535, low to high');
  });
}

/** `"22"` → [22, 22]; `"8000-8010"` → [8000, 8010]. The schema has checked the shape. */
export function parsePortRange(range: string): [number, number] {
  const [a, b] = range.split('-');
  const lo = Number(a);
  return [lo, b === undefined ? lo : Number(b)];
}

/** Checks the whole design; throws INVALID_ARGUMENT naming the first bad field. */
export function validateDesign(design: Design, limits: DesignLimits = defaultDesignLimits, at = '/design'): void {
  const ids = new Map<string, string>();
  const hostnames = new Map<string, string>();
  design.vms.forEach((vm, i) => {
    const f = `${at}/vms/${i}`;
    validateVm(vm, f, limits);
    for (const [id, path] of localIdsOf(vm, f)) {
      const key = idKey(id);
      if (ids.has(key)) throw bad(path, `id ${key} is already used at ${ids.get(key)}`);
      ids.set(key, path);
    }
    (vm.hostnames ?? []).forEach((h, j) => {
      const name = h.toLowerCase();
      if (hostnames.has(name)) throw bad(`${f}/hostnames/${j}`, `hostname ${h} is already used at ${hostnames.get(name)}`);
      hostnames.set(name, `${f}/hostnames/${j}`);
    });
  });
}
