/**
 * A VM as VMware describes it (a .vmx, or an OVF descriptor), reduced to what a Ravel library VM
 * needs: CPUs, memory, disks (in controller order, the first disk boots) and NICs.
 */

export type ControllerKind = 'ide' | 'scsi' | 'sata' | 'nvme';

export interface VmwareDisk {
  /** The file that holds it, relative to the export folder. */
  readonly file: string;
  readonly cdrom: boolean;
  readonly controller: ControllerKind;
  /** Which controller of its kind (`scsi1` is 1). */
  readonly controllerIndex: number;
  /** Position on the controller. */
  readonly unit: number;
  /** Declared capacity in bytes, when the descriptor says (OVF); otherwise the upload tells. */
  readonly capacityBytes?: number;
}

export interface VmwareNic {
  /** `vmxnet3`, `e1000`, `e1000e`...: kept as the device type. */
  readonly adapter: string;
  /** A MAC the VM was given on purpose (VMware `static`); generated ones are not kept. */
  readonly mac?: string;
  readonly network?: string;
}

export interface VmwareVm {
  readonly name: string;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly disks: readonly VmwareDisk[];
  readonly nics: readonly VmwareNic[];
  /** Where it came from: `vmx` or `ovf`. */
  readonly source: 'vmx' | 'ovf';
}
