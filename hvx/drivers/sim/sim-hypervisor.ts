/**
 * The sim driver: VMs that boot and shut down after configured times with seeded jitter, all on
 * a SimScheduler (one clock timer for every host that shares it). Faults can be injected per
 * VM: a boot that fails, a VM that crashes, a VM that hangs (ignores everything but power-off).
 */
import { RavelError } from '../../../core/errors.ts';
import type {
  ChangedBlock,
  DiskChanges,
  HostCapacity,
  Hypervisor,
  PreparedDisk,
  StateListener,
  VmInfo,
  VmSpec,
  VmState,
} from '../../hypervisor.ts';
import { SeededRandom } from './seeded-random.ts';
import { checkSimOptions, type SimHypervisorOptions } from './sim-options.ts';
import type { SimEvent, SimScheduler } from './sim-scheduler.ts';
import { checkVmSpec } from '../../vm-spec.ts';
import { stepFor, type VmAction } from './vm-transitions.ts';

/** A fault to inject: `fail-boot` fails the next boot; `hang` stalls until power-off. */
export type SimFault = 'fail-boot' | 'hang';

interface SimVm {
  spec: VmSpec;
  state: VmState;
  since: number;
  pending: SimEvent | undefined;
  fault: SimFault | undefined;
  started: Map<string, string>;
  dirty: Map<string, Map<number, Uint8Array | null>>;
}

const BLOCK_SIZE = 65536;

export class SimHypervisor implements Hypervisor {
  readonly driver = 'sim';
  private readonly vms = new Map<string, SimVm>();
  private readonly listeners = new Set<StateListener>();
  private readonly rng: SeededRandom;
  private used = { cpus: 0, memoryMb: 0 };
  private closed = false;

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly options: SimHypervisorOptions,
  ) {
    checkSimOptions(options);
    this.rng = new SeededRandom(options.timing.seed);
  }

  capacity(): HostCapacity {
    return { total: { ...this.options.capacity }, used: { ...this.used }, vms: this.vms.size };
  }

  async define(spec: VmSpec): Promise<void> {
    this.guard();
    checkVmSpec(spec);
    const vm = this.vms.get(spec.id);
    if (vm !== undefined && JSON.stringify(vm.spec) === JSON.stringify(spec)) return;
    if (vm !== undefined) this.refuseUnless(vm, 'redefine', 'replace');
    const free = this.options.capacity;
    const cpus = this.used.cpus - (vm?.spec.cpus ?? 0) + spec.cpus;
    const memoryMb = this.used.memoryMb - (vm?.spec.memoryMb ?? 0) + spec.memoryMb;
    if (cpus > free.cpus || memoryMb > free.memoryMb) {
      throw new RavelError('CONFLICT', `VM ${spec.id} does not fit on this host`, {
        details: { wanted: { cpus: spec.cpus, memoryMb: spec.memoryMb }, used: this.used, total: free },
      });
    }
    this.used = { cpus, memoryMb };
    if (vm !== undefined) vm.spec = spec;
    else {
      this.vms.set(spec.id, {
        spec,
        state: 'stopped',
        since: this.now(),
        pending: undefined,
        fault: undefined,
        started: new Map(),
        dirty: new Map(),
      });
    }
  }

  async undefine(vmId: string): Promise<void> {
    this.guard();
    const vm = this.vms.get(vmId);
    if (vm === undefined) return;
    this.refuseUnless(vm, 'undefine', 'forget');
    this.vms.delete(vmId);
    this.used = { cpus: this.used.cpus - vm.spec.cpus, memoryMb: this.used.memoryMb - vm.spec.memoryMb };
  }

  async start(vmId: string, disks: readonly PreparedDisk[]): Promise<void> {
    const vm = this.vm(vmId);
    if (this.refuseUnless(vm, 'start', 'boot') === 'boot') this.boot(vm, disks);
  }

  async shutdown(vmId: string): Promise<void> {
    const vm = this.vm(vmId);
    if (this.refuseUnless(vm, 'shutdown', 'shut') === 'shut') this.shut(vm, () => this.to(vm, 'stopped'));
  }

  async powerOff(vmId: string): Promise<void> {
    const vm = this.vm(vmId);
    if (this.refuseUnless(vm, 'powerOff', 'off') !== 'off') return;
    this.scheduler.cancel(vm.pending);
    vm.pending = undefined;
    vm.fault = undefined;
    this.to(vm, 'stopped');
  }

  async restart(vmId: string, disks: readonly PreparedDisk[]): Promise<void> {
    const vm = this.vm(vmId);
    const step = this.refuseUnless(vm, 'restart', 'reboot', 'boot');
    if (step === 'boot') this.boot(vm, disks);
    else if (step === 'reboot') this.shut(vm, () => this.boot(vm, disks));
  }

  async snapshot(vmId: string): Promise<readonly DiskChanges[]> {
    const vm = this.vm(vmId);
    return vm.spec.disks.map((d) => {
      const blocks: ChangedBlock[] = [...(vm.dirty.get(d.id) ?? new Map<number, Uint8Array | null>())]
        .sort((a, b) => a[0] - b[0])
        .map(([index, data]) => ({ index, data }));
      return { diskId: d.id, image: d.image, baseVersion: vm.started.get(d.id) ?? d.version, blockSize: BLOCK_SIZE, blocks };
    });
  }

  get(vmId: string): VmInfo | undefined {
    const vm = this.vms.get(vmId);
    return vm === undefined ? undefined : { spec: vm.spec, state: vm.state, since: vm.since };
  }

  list(): readonly VmInfo[] {
    return [...this.vms.values()].map((vm) => ({ spec: vm.spec, state: vm.state, since: vm.since }));
  }

  onStateChange(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  // ------------------------------------------------------------------ faults and guest writes

  /** The next boot of the VM fails (`fail-boot`), or the VM stalls until powered off (`hang`). */
  inject(vmId: string, fault: SimFault): void {
    this.vm(vmId).fault = fault;
  }

  /** The VM crashes now: `failed` with reason `crashed`. ILLEGAL_STATE unless it is up or on its way. */
  crash(vmId: string): void {
    const vm = this.vm(vmId);
    if (vm.state === 'stopped' || vm.state === 'failed') {
      throw new RavelError('ILLEGAL_STATE', `VM ${vmId} is ${vm.state}: nothing to crash`);
    }
    this.scheduler.cancel(vm.pending);
    vm.pending = undefined;
    vm.fault = undefined;
    this.to(vm, 'failed', 'crashed');
  }

  /** The guest writes one block (null: zeros) of a running VM's disk. */
  write(vmId: string, diskId: string, index: number, data: Uint8Array | null): void {
    const vm = this.vm(vmId);
    if (vm.state !== 'running') throw new RavelError('ILLEGAL_STATE', `VM ${vmId} is ${vm.state}`);
    const dirty = vm.dirty.get(diskId);
    if (dirty === undefined) throw new RavelError('NOT_FOUND', `VM ${vmId} has no disk ${diskId}`);
    if (data !== null && data.length !== BLOCK_SIZE) throw new RavelError('INVALID_ARGUMENT', `a block is ${BLOCK_SIZE} bytes`);
    dirty.set(index, data);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const vm of this.vms.values()) this.scheduler.cancel(vm.pending);
    this.listeners.clear();
  }

  // ------------------------------------------------------------------ the timing model

  private boot(vm: SimVm, disks: readonly PreparedDisk[]): void {
    const started = new Map(vm.spec.disks.map((d) => [d.id, disks.find((p) => p.diskId === d.id)?.version ?? d.version]));
    // What the guest wrote outlives a reboot or a stop and start on this host, as a disk's content
    // does; a disk started from another version (a newer one from the store) starts from it alone.
    vm.dirty = new Map(vm.spec.disks.map((d) => [d.id, vm.started.get(d.id) === started.get(d.id) ? (vm.dirty.get(d.id) ?? new Map<number, Uint8Array | null>()) : new Map<number, Uint8Array | null>()]));
    vm.started = started;
    this.to(vm, 'starting');
    if (vm.fault === 'hang') return;
    const t = this.options.timing;
    const ms = this.rng.around(t.bootMs, t.jitterMs);
    const fails = vm.fault === 'fail-boot' || this.rng.next() < (t.bootFailureRate ?? 0);
    vm.pending = this.scheduler.after(ms, () => {
      vm.pending = undefined;
      if (fails) {
        vm.fault = undefined;
        this.to(vm, 'failed', 'boot failed');
      } else this.to(vm, 'running');
    });
  }

  private shut(vm: SimVm, then: () => void): void {
    this.to(vm, 'stopping');
    if (vm.fault === 'hang') return;
    const t = this.options.timing;
    vm.pending = this.scheduler.after(this.rng.around(t.shutdownMs, t.jitterMs), () => {
      vm.pending = undefined;
      then();
    });
  }

  private to(vm: SimVm, state: VmState, reason?: string): void {
    vm.state = state;
    vm.since = this.now();
    const change = reason === undefined ? { vmId: vm.spec.id, state, at: vm.since } : { vmId: vm.spec.id, state, at: vm.since, reason };
    for (const l of this.listeners) l(change);
  }

  /** The step the table gives, when it is one of `allowed` or a no-op; ILLEGAL_STATE otherwise. */
  private refuseUnless<S extends string>(vm: SimVm, action: VmAction, ...allowed: S[]): S | 'noop' {
    const step = stepFor(vm.state, action);
    if (step === 'noop') return 'noop';
    if ((allowed as string[]).includes(step)) return step as S;
    throw new RavelError('ILLEGAL_STATE', `cannot ${action} VM ${vm.spec.id} while it is ${vm.state}`, {
      details: { vm: vm.spec.id, state: vm.state, action },
    });
  }

  private vm(vmId: string): SimVm {
    this.guard();
    const vm = this.vms.get(vmId);
    if (vm === undefined) throw new RavelError('NOT_FOUND', `no VM ${vmId} on this host`, { details: { vm: vmId } });
    return vm;
  }

  private now(): number {
    return this.scheduler.clock.now();
  }

  private guard(): void {
    if (this.closed) throw new RavelError('CLOSED', 'the hypervisor is closed');
  }
}
