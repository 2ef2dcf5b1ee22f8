/**
 * An HVX host as its actor holds it: capacity, the VMs reserved on it, its last heartbeat as
 * written, and a lifecycle (UP, DEAD, RELEASED) matched with ts-pattern. Reservations never exceed
 * capacity; a host silent for longer than the configured time is declared dead; an empty host is
 * released after an idle time. Heartbeats heard since the last write are held in memory by the
 * actor (actors/kinds/hvx-host/host-liveness.ts), which hands `checkHost` the time its silence
 * counts from as `lastHeartbeat`.
 */
import { match } from 'ts-pattern';
import { RavelError } from '../../core/errors.ts';
import type { HostView } from '../placement/placement-types.ts';

export type HostStatus = 'UP' | 'DEAD' | 'RELEASED';

export interface VmReservation {
  readonly applicationId: number;
  readonly vmKey: string;
  readonly cpus: number;
  readonly memoryMb: number;
  /** When it was reserved (a room audit spares newer ones); absent in records written before. */
  readonly at?: number;
}

export interface HostState {
  readonly id: string;
  readonly region: string;
  readonly capacity: { readonly cpus: number; readonly memoryMb: number };
  readonly status: HostStatus;
  readonly lastHeartbeat: number;
  /** Since when the host has carried no VM; absent while it carries some. */
  readonly idleSince?: number;
  readonly vms: readonly VmReservation[];
}

export interface HostTimings {
  /** Silence after which the host is declared dead. */
  readonly deadAfterMs: number;
  /** Emptiness after which the host is given back to the cloud. */
  readonly releaseIdleAfterMs: number;
}

export function newHost(id: string, region: string, capacity: HostState['capacity'], now: number): HostState {
  return { id, region, capacity, status: 'UP', lastHeartbeat: now, idleSince: now, vms: [] };
}

export function freeCapacity(h: HostState): { cpus: number; memoryMb: number } {
  return h.vms.reduce((f, v) => ({ cpus: f.cpus - v.cpus, memoryMb: f.memoryMb - v.memoryMb }), { ...h.capacity });
}

/** What placement sees of this host. */
export function hostView(h: HostState): HostView {
  const f = freeCapacity(h);
  return { id: h.id, region: h.region, freeCpus: f.cpus, freeMemoryMb: f.memoryMb, accepting: h.status === 'UP' };
}

const sameVm = (a: VmReservation, b: Pick<VmReservation, 'applicationId' | 'vmKey'>): boolean => a.applicationId === b.applicationId && a.vmKey === b.vmKey;

/**
 * Reserves room for a VM. The same VM again is a no-op (a retried command); ILLEGAL_STATE on a
 * host that is not UP; CONFLICT when it does not fit (placement raced with another).
 */
export function reserveVm(h: HostState, vm: VmReservation): HostState {
  if (h.status !== 'UP') throw new RavelError('ILLEGAL_STATE', `host ${h.id} is ${h.status}`);
  if (h.vms.some((v) => sameVm(v, vm))) return h;
  const f = freeCapacity(h);
  if (vm.cpus > f.cpus || vm.memoryMb > f.memoryMb) {
    throw new RavelError('CONFLICT', `host ${h.id} has no room for VM ${vm.vmKey}`, { details: { free: f } });
  }
  const { idleSince: _i, ...rest } = h;
  return { ...rest, vms: [...h.vms, vm] };
}

/** Reserves room for several VMs at once, all or none: the first that does not fit refuses them all. */
export function reserveVms(h: HostState, vms: readonly VmReservation[]): HostState {
  return vms.reduce(reserveVm, h);
}

/**
 * The VMs reserved at or before `before` (records without a time count as old), by application:
 * what a room audit asks their applications about.
 */
export function reservedBefore(h: HostState, before: number): Map<number, string[]> {
  const byApp = new Map<number, string[]>();
  for (const v of h.vms) {
    if ((v.at ?? 0) > before) continue;
    const keys = byApp.get(v.applicationId);
    if (keys === undefined) byApp.set(v.applicationId, [v.vmKey]);
    else keys.push(v.vmKey);
  }
  return byApp;
}

/** Frees several VMs' room; see releaseVm. */
export function releaseVms(h: HostState, vms: readonly Pick<VmReservation, 'applicationId' | 'vmKey'>[], now: number): HostState {
  return vms.reduce((acc, vm) => releaseVm(acc, vm, now), h);
}

/** Frees a VM's room; freeing one not there is a no-op. The host turns idle when emptied. */
export function releaseVm(h: HostState, vm: Pick<VmReservation, 'applicationId' | 'vmKey'>, now: number): HostState {
  const vms = h.vms.filter((v) => !sameVm(v, vm));
  if (vms.length === h.vms.length) return h;
  return vms.length === 0 ? { ...h, vms, idleSince: now } : { ...h, vms };
}

export type HostCheck =
  | { readonly kind: 'ok' }
  /** Declare it dead: these VMs go to ERROR and are repaired elsewhere. */
  | { readonly kind: 'dead'; readonly host: HostState; readonly lostVms: readonly VmReservation[] }
  /** Give it back to the cloud provider. */
  | { readonly kind: 'release'; readonly host: HostState };

/** What a periodic check (a reminder) should do with the host now. */
export function checkHost(h: HostState, now: number, t: HostTimings): HostCheck {
  return match(h.status)
    .with('UP', (): HostCheck => {
      if (now - h.lastHeartbeat > t.deadAfterMs) return { kind: 'dead', host: { ...h, status: 'DEAD', vms: [], idleSince: now }, lostVms: h.vms };
      if (h.vms.length === 0 && h.idleSince !== undefined && now - h.idleSince >= t.releaseIdleAfterMs) return { kind: 'release', host: { ...h, status: 'RELEASED' } };
      return { kind: 'ok' };
    })
    .with('DEAD', (): HostCheck => ({ kind: 'release', host: { ...h, status: 'RELEASED' } }))
    .with('RELEASED', (): HostCheck => ({ kind: 'ok' }))
    .exhaustive();
}
