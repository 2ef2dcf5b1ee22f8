/**
 * The library VM an import makes: the VMware VM's hardware in the API's shape (a `LibraryImage`
 * without its id), each disk pointing at the disk image its upload made. Checked against the
 * domain's schema before anything is sent, so a VM the API would refuse fails here, naming the
 * field.
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RavelError } from '../../core/errors.ts';
import { LibraryImage, VmDesign } from '../../domain/schemas/index.ts';
import type { VmwareVm } from './vmware-vm.ts';

/** What the upload of one disk made. */
export interface UploadedDisk {
  /** The disk image's id; a number once the library registers uploads, else the store's id. */
  readonly diskImageId: number | string;
  readonly virtualSize: number;
}

export type LibraryVmDescription = Omit<LibraryImage, 'id'>;

const Description = Type.Omit(LibraryImage, ['id']);

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** `{unit: GB}` when whole gigabytes, else megabytes rounded up. */
export function sizeOf(bytes: number): { unit: 'MB' | 'GB'; value: number } {
  return bytes % GiB === 0 ? { unit: 'GB', value: bytes / GiB } : { unit: 'MB', value: Math.ceil(bytes / MiB) };
}

/** Ids of drives and NICs inside the VM: local, chosen here, distinct. */
const DRIVE_ID_BASE = 1;
const NIC_ID_BASE = 101;

export function libraryVmOf(vm: VmwareVm, disks: readonly UploadedDisk[]): LibraryVmDescription {
  if (disks.length !== vm.disks.length) throw new RavelError('INTERNAL', 'one upload per disk expected');
  let bootSet = false;
  const description: LibraryVmDescription = {
    name: vm.name.slice(0, 255) || 'imported',
    description: `Imported from VMware (${vm.source})`,
    numCpus: vm.cpus,
    memorySize: sizeOf(vm.memoryMb * MiB),
    hardDrives: vm.disks.map((d, i) => {
      const up = disks[i] as UploadedDisk;
      const boot = !bootSet && !d.cdrom;
      bootSet ||= boot;
      const image = typeof up.diskImageId === 'number' ? { baseDiskImageId: up.diskImageId } : {};
      return {
        id: DRIVE_ID_BASE + i,
        name: d.cdrom ? `cdrom${i}` : `disk${i}`,
        index: d.unit,
        type: d.cdrom ? 'CDROM' : 'DISK',
        ...(d.cdrom ? {} : { size: sizeOf(Math.max(up.virtualSize, d.capacityBytes ?? 0)) }),
        controller: d.controller,
        controllerIndex: d.controllerIndex,
        ...image,
        boot,
      };
    }),
    networkConnections: vm.nics.map((n, i) => ({
      id: NIC_ID_BASE + i,
      name: n.network ?? `eth${i}`,
      device: {
        deviceType: n.adapter.slice(0, 32),
        index: i,
        ...(n.mac === undefined ? { useAutomaticMac: true } : { mac: n.mac, useAutomaticMac: false }),
      },
      ipConfig: { autoIpConfig: {} },
    })),
  };
  checked(Description, description, 'the library VM');
  return description;
}

/** The same VM as a design VM, for the application the library VM is saved from. */
export function designVmOf(d: LibraryVmDescription, id: number): VmDesign {
  const { loadingStatus: _l, creationTime: _c, ...hardware } = d;
  const vm = { ...hardware, id };
  checked(VmDesign, vm, 'the design VM');
  return vm;
}

function checked(schema: Parameters<typeof Value.Check>[0], value: unknown, what: string): void {
  if (Value.Check(schema, value)) return;
  const first = Value.Errors(schema, value).First();
  throw new RavelError('INVALID_ARGUMENT', `${what}: ${first?.path ?? ''} ${first?.message ?? 'invalid'}`);
}
