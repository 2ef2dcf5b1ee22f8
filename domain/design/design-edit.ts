/**
 * Edits of an application's design: add a VM from a library image, replace a VM, remove one.
 * Each returns a new design after validating the whole of it, or throws and changes nothing.
 */
import { RavelError } from '../../core/errors.ts';
import type { Design } from '../schemas/application.ts';
import { MAX_VMS_PER_APPLICATION } from '../schemas/application.ts';
import { MAX_NAME_LENGTH, idKey, type LocalId } from '../schemas/common.ts';
import type { LibraryImage } from '../schemas/library.ts';
import type { VmDesign } from '../schemas/vm.ts';
import { defaultDesignLimits, type DesignLimits } from './design-limits.ts';
import { localIdsOf, validateDesign } from './design-validate.ts';
import type { LocalIdSource } from './local-ids.ts';

function usedIds(design: Design): Set<string> {
  return new Set(design.vms.flatMap((vm, i) => localIdsOf(vm, `${i}`).map(([id]) => idKey(id))));
}

/** Draws ids until one is not in `used`, and marks it used. */
function freshId(next: LocalIdSource, used: Set<string>): LocalId {
  for (let tries = 0; tries < 1000; tries++) {
    const id = next();
    if (!used.has(idKey(id))) {
      used.add(idKey(id));
      return id;
    }
  }
  throw new RavelError('INTERNAL', 'the id source keeps repeating itself');
}

/** A name not yet used by a VM of the design: `base`, else `base-2`, `base-3`, ... */
function uniqueVmName(design: Design, base: string): string {
  const names = new Set(design.vms.map((v) => v.name));
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = base.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
    if (!names.has(candidate)) return candidate;
  }
}

/**
 * Adds a VM copied from a library image: its hardware, disks (on the image's disk images) and
 * NICs, every id fresh so two VMs from one image never collide. Automatic MACs stay automatic;
 * a fixed MAC is dropped, since two copies must not share one.
 */
export function addVmFromImage(
  design: Design,
  image: LibraryImage,
  nextId: LocalIdSource,
  options: { name?: string; limits?: DesignLimits } = {},
): { design: Design; vm: VmDesign } {
  if (design.vms.length >= MAX_VMS_PER_APPLICATION) {
    throw new RavelError('INVALID_ARGUMENT', `a design holds at most ${MAX_VMS_PER_APPLICATION} VMs`, { details: { field: '/design/vms' } });
  }
  const used = usedIds(design);
  const vm: VmDesign = {
    id: freshId(nextId, used),
    name: uniqueVmName(design, options.name ?? image.name),
    numCpus: image.numCpus,
    memorySize: { ...image.memorySize },
    hardDrives: image.hardDrives.map((d) => structuredClone({ ...d, id: freshId(nextId, used) })),
    networkConnections: image.networkConnections.map((n) => ({
      ...n,
      id: freshId(nextId, used),
      device: { deviceType: n.device.deviceType, index: n.device.index, useAutomaticMac: true },
    })),
    baseVmId: image.id,
  };
  if (image.description !== undefined) vm.description = image.description;
  if (image.suppliedServices !== undefined) vm.suppliedServices = image.suppliedServices.map((s) => ({ ...s, id: freshId(nextId, used) }));
  if (image.requiresKeypair !== undefined) vm.requiresKeypair = image.requiresKeypair;
  if (image.allowNested !== undefined) vm.allowNested = image.allowNested;
  const next = { vms: [...design.vms, vm] };
  validateDesign(next, options.limits ?? defaultDesignLimits);
  return { design: next, vm };
}

function indexOfVm(design: Design, vmId: LocalId): number {
  const key = idKey(vmId);
  const i = design.vms.findIndex((v) => idKey(v.id) === key);
  if (i < 0) throw new RavelError('NOT_FOUND', `no VM ${key} in the design`, { details: { vmId: key } });
  return i;
}

/** Replaces the VM with id `vmId` by `vm` (whose id must stay the same). */
export function editVm(design: Design, vmId: LocalId, vm: VmDesign, limits: DesignLimits = defaultDesignLimits): Design {
  const i = indexOfVm(design, vmId);
  if (idKey(vm.id) !== idKey(vmId)) {
    throw new RavelError('INVALID_ARGUMENT', '/id: a VM keeps its id when edited', { details: { field: '/id' } });
  }
  const vms = design.vms.slice();
  vms[i] = vm;
  const next = { vms };
  validateDesign(next, limits);
  return next;
}

/** Removes the VM with id `vmId`. */
export function removeVm(design: Design, vmId: LocalId): Design {
  const i = indexOfVm(design, vmId);
  return { vms: design.vms.filter((_, j) => j !== i) };
}

/** Finds a VM of the design, or NOT_FOUND. */
export function findVm(design: Design, vmId: LocalId): VmDesign {
  return design.vms[indexOfVm(design, vmId)]!;
}
