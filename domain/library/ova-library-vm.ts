/**
 * An OVA's virtual machine as a library VM: the hardware its OVF declares (storage-engine's
 * `OvfVm` has this shape), each disk on the disk image its content was imported as. Sizes are
 * the larger of what the descriptor declares and what was stored.
 */
import { RavelError } from '../../core/errors.ts';
import { MAX_NAME_LENGTH, type LibraryImage } from '../schemas/index.ts';
import { VmLimits } from '../schemas/vm.ts';
import { sizeOfBytes } from './library-records.ts';

export interface OvaVmDescription {
  readonly name: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly disks: ReadonlyArray<{ readonly capacity: number }>;
  readonly nics: ReadonlyArray<{ readonly adapterType?: string }>;
}

/** A disk of the OVA once it is a disk image of the library. */
export interface OvaDiskImage {
  readonly diskImageId: number;
  readonly virtualSize: number;
}

/** Drive ids from 1, NIC ids from 101: unique in the VM, as a design needs. */
const NIC_ID_BASE = 101;

export function libraryVmOfOva(vm: OvaVmDescription, disks: readonly OvaDiskImage[]): Omit<LibraryImage, 'id'> {
  if (disks.length !== vm.disks.length) throw new RavelError('INVALID_ARGUMENT', `the OVF names ${vm.disks.length} disks, ${disks.length} were imported`);
  if (vm.disks.length > VmLimits.maxDisks || vm.nics.length > VmLimits.maxNics) throw new RavelError('INVALID_ARGUMENT', 'the OVF names more disks or NICs than a VM may have');
  const name = vm.name.trim().slice(0, MAX_NAME_LENGTH);
  return {
    name: name === '' ? 'imported VM' : name,
    numCpus: Math.min(1024, Math.max(1, Math.floor(vm.cpus))),
    memorySize: sizeOfBytes(Math.max(vm.memoryBytes, 1024 * 1024)),
    hardDrives: vm.disks.map((d, i) => ({
      id: i + 1,
      name: `disk${i}`,
      index: i,
      type: 'DISK' as const,
      size: sizeOfBytes(Math.max(d.capacity, disks[i]!.virtualSize)),
      controller: 'virtio',
      boot: i === 0,
      baseDiskImageId: disks[i]!.diskImageId,
    })),
    networkConnections: vm.nics.map((n, i) => ({
      id: NIC_ID_BASE + i,
      name: `eth${i}`,
      device: { deviceType: (n.adapterType ?? 'virtio').toLowerCase().slice(0, 32) || 'virtio', index: i, useAutomaticMac: true },
      ipConfig: { autoIpConfig: {} },
    })),
    loadingStatus: 'DONE',
  };
}
