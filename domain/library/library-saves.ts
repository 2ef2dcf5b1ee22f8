/**
 * What the library saves from an application: a blueprint (the whole design, disks to be
 * snapshotted) or a library image (one VM's hardware). Records start SAVING; the job that
 * snapshots the disks marks them DONE with the new disk image ids filled in.
 */
import { RavelError } from '../../core/errors.ts';
import type { Application } from '../schemas/application.ts';
import { idKey, type LocalId } from '../schemas/common.ts';
import type { Blueprint, LibraryImage } from '../schemas/library.ts';
import type { VmDesign } from '../schemas/vm.ts';
import { findVm } from '../design/design-edit.ts';

/** A blueprint of the application's design; INVALID_ARGUMENT when it has no VMs. */
export function blueprintOf(app: Pick<Application, 'design'>, id: number, name: string, now: number, description?: string): Blueprint {
  if (app.design.vms.length === 0) throw new RavelError('INVALID_ARGUMENT', 'an application without VMs makes no blueprint', { details: { field: 'applicationId' } });
  return {
    id,
    name,
    design: structuredClone(app.design),
    loadingStatus: 'SAVING',
    creationTime: now,
    ...(description === undefined ? {} : { description }),
  };
}

/** A library image of one VM of the application; NOT_FOUND for an unknown VM. */
export function imageOf(app: Application, vmId: LocalId, id: number, name: string, now: number): LibraryImage {
  return imageOfVm(findVm(app.design, vmId), id, name, now);
}

/** A library image of a VM's hardware, SAVING until its disks are snapshotted. */
export function imageOfVm(vm: VmDesign, id: number, name: string, now: number): LibraryImage {
  return {
    id,
    name,
    numCpus: vm.numCpus,
    memorySize: { ...vm.memorySize },
    hardDrives: structuredClone(vm.hardDrives),
    networkConnections: structuredClone(vm.networkConnections),
    loadingStatus: 'SAVING',
    creationTime: now,
    ...(vm.description === undefined ? {} : { description: vm.description }),
    ...(vm.suppliedServices === undefined ? {} : { suppliedServices: structuredClone(vm.suppliedServices) }),
    ...(vm.requiresKeypair === undefined ? {} : { requiresKeypair: vm.requiresKeypair }),
    ...(vm.allowNested === undefined ? {} : { allowNested: vm.allowNested }),
  };
}

/**
 * Marks a saved design DONE, pointing each disk at the snapshot made of it (`diskImageIds`
 * maps a disk's id key to its new disk image). A disk left out is an error: saving is all or nothing.
 */
export function completeSave<T extends { loadingStatus?: Blueprint['loadingStatus']; design?: Blueprint['design']; hardDrives?: LibraryImage['hardDrives'] }>(
  saved: T,
  diskImageIds: Readonly<Record<string, number>>,
): T {
  const point = <D extends { id: LocalId; type: string; baseDiskImageId?: number }>(d: D): D => {
    if (d.type !== 'DISK') return d;
    const img = diskImageIds[idKey(d.id)];
    if (img === undefined) throw new RavelError('INTERNAL', `no snapshot for disk ${idKey(d.id)}`);
    return { ...d, baseDiskImageId: img };
  };
  const out = { ...saved, loadingStatus: 'DONE' as const };
  if (saved.design !== undefined) out.design = { vms: saved.design.vms.map((vm) => ({ ...vm, hardDrives: vm.hardDrives.map(point) })) };
  if (saved.hardDrives !== undefined) out.hardDrives = saved.hardDrives.map(point);
  return out;
}
