/**
 * An OVF folder (what ovftool and vSphere's "Export OVF Template" write: a `.ovf` descriptor
 * beside its disk files) read with the same OVF parser the image store uses for OVAs. The
 * descriptor's disks become SCSI disks in DiskSection order (the first boots); its NICs keep
 * their adapter type and network name.
 */
import { RavelError, isRavelError } from '../../core/errors.ts';
import { parseOvf } from '../../storage-engine/formats/ova/ovf.ts';
import type { VmwareVm } from './vmware-vm.ts';

/** Larger than any disk a library VM takes (16 TiB). */
const MAX_VIRTUAL_SIZE = 16 * 1024 ** 4;

export function readOvf(xml: string): VmwareVm {
  let vm;
  try {
    vm = parseOvf(xml, MAX_VIRTUAL_SIZE);
  } catch (e) {
    throw new RavelError('INVALID_ARGUMENT', isRavelError(e) ? e.message : `ovf: ${String(e)}`, { cause: e });
  }
  if (vm.memoryBytes === 0) throw new RavelError('INVALID_ARGUMENT', 'ovf: no memory item in the VirtualHardwareSection');
  return {
    name: vm.name,
    cpus: vm.cpus,
    memoryMb: Math.ceil(vm.memoryBytes / 2 ** 20),
    disks: vm.disks.map((d, i) => ({ file: d.href, cdrom: false, controller: 'scsi', controllerIndex: 0, unit: i, capacityBytes: d.capacity })),
    nics: vm.nics.map((n) => ({
      adapter: (n.adapterType ?? 'e1000').toLowerCase(),
      ...(n.network === undefined ? {} : { network: n.network }),
    })),
    source: 'ovf',
  };
}
