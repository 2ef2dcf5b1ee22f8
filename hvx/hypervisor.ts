/**
 * The Hypervisor seam: what an HVX agent asks of the driver that runs VMs on its host.
 *
 * Implementations: `SimHypervisor` (hvx/drivers/sim/: a timing model, for tests, demos and
 * fleets of thousands of hosts in one process). A `qemu` driver is a later step and is not
 * here at all (no stub). Every implementation passes hvx/hypervisor.conformance.ts.
 *
 * A VM is defined (its spec reserves CPUs and memory on the host), then started, stopped and
 * so on. Actions answer once they are accepted; where the VM ends up (running, stopped, failed)
 * is reported later through `onStateChange`, in the order the changes happen. Actions are
 * idempotent where that is meaningful: starting a VM that is starting or running, stopping one
 * that is stopped, defining the same spec twice, all answer without changing anything.
 *
 * Errors (RavelError codes): NOT_FOUND (no VM of that id), ILLEGAL_STATE (the VM's state does
 * not allow the action: nothing changes), CONFLICT (the host has no room for the VM),
 * INVALID_ARGUMENT (a malformed spec), CLOSED (used after close).
 */
import type { Closeable } from '../core/lifecycle.ts';

/** CPUs and memory: what a host has and what a VM takes. */
export interface Resources {
  readonly cpus: number;
  readonly memoryMb: number;
}

export interface HostCapacity {
  /** What the host has for VMs. */
  readonly total: Resources;
  /** What the defined VMs reserve. */
  readonly used: Resources;
  readonly vms: number;
}

/** A disk of a VM: a version of an image in the image store. */
export interface DiskSpec {
  /** The disk's id within the VM. */
  readonly id: string;
  /** The image-store image the disk belongs to (snapshots become new versions of it). */
  readonly image: string;
  /** The version the VM starts from. */
  readonly version: string;
}

export interface NicSpec {
  readonly id: string;
  /** `52:54:00:xx:xx:xx` style, lower case. */
  readonly mac: string;
  /** The application network the NIC is on. */
  readonly network: string;
  readonly ip?: string;
}

export interface VmSpec {
  /** Unique on the host; letters, digits, `_` and `-`. */
  readonly id: string;
  /** The tenant whose disks the VM reads and writes. */
  readonly tenant: string;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly disks: readonly DiskSpec[];
  readonly nics: readonly NicSpec[];
}

/**
 * Where a VM is. `failed` is a boot that did not complete or a VM that crashed; it may be
 * started again.
 */
export type VmState = 'stopped' | 'starting' | 'running' | 'stopping' | 'failed';

export interface VmStateChange {
  readonly vmId: string;
  readonly state: VmState;
  /** When it happened on the driver's clock, ms since the epoch. */
  readonly at: number;
  /** Why, for `failed` (e.g. `boot failed`, `crashed`). */
  readonly reason?: string;
}

export interface VmInfo {
  readonly spec: VmSpec;
  readonly state: VmState;
  /** When the current state began. */
  readonly since: number;
}

/** A disk made ready for a VM from the image store, by the agent, before start. */
export interface PreparedDisk {
  readonly diskId: string;
  readonly version: string;
  readonly blockSize: number;
  /** Blocks that hold data (the rest read as zeros). */
  readonly blocks: number;
  /** Where a driver that needs a file finds the disk (a later step: qemu). */
  readonly localPath?: string;
}

/** One block of a disk; null data means all zeros. */
export interface ChangedBlock {
  readonly index: number;
  readonly data: Uint8Array | null;
}

/** The blocks of one disk written since the VM was started from its prepared disk. */
export interface DiskChanges {
  readonly diskId: string;
  readonly image: string;
  /** The version the VM started from: the changes sit on it. */
  readonly baseVersion: string;
  readonly blockSize: number;
  readonly blocks: readonly ChangedBlock[];
}

export type StateListener = (change: VmStateChange) => void;

export interface Hypervisor extends Closeable {
  /** `sim` (later also `qemu`). */
  readonly driver: string;
  capacity(): HostCapacity;
  /** Defines a VM, or replaces the spec of a stopped or failed one. CONFLICT when it does not fit. */
  define(spec: VmSpec): Promise<void>;
  /** Forgets a stopped or failed VM and frees what it reserved; an unknown id is a no-op. */
  undefine(vmId: string): Promise<void>;
  /** Boots a stopped or failed VM from its prepared disks: `starting`, later `running` or `failed`. */
  start(vmId: string, disks: readonly PreparedDisk[]): Promise<void>;
  /** Graceful shutdown of a running VM (the guest is asked): `stopping`, later `stopped`. */
  shutdown(vmId: string): Promise<void>;
  /** Pulls the plug: `stopped` at once, from any state, also a hung one. */
  powerOff(vmId: string): Promise<void>;
  /** Reboots a running VM (stopping, starting, running); a stopped or failed one is started. */
  restart(vmId: string, disks: readonly PreparedDisk[]): Promise<void>;
  /**
   * The blocks of every disk changed since the VM was started (all of them, each time: a snapshot
   * is the start version plus these). The VM keeps running; NOT_FOUND for an unknown VM.
   */
  snapshot(vmId: string): Promise<readonly DiskChanges[]>;
  /** The VM, or undefined. */
  get(vmId: string): VmInfo | undefined;
  list(): readonly VmInfo[];
  /** Every state change from now on, in order; returns the function that stops listening. */
  onStateChange(listener: StateListener): () => void;
}
