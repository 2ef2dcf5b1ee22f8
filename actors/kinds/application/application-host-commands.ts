/**
 * From the VM state machine's host commands to HVX commands on a host's queue. Names are derived,
 * never random: an HVX VM id is `a<application>-<vm key>`, and a command id adds the command kind
 * and the VM's transition count, so a resent command (after a crash, a retried turn) carries the
 * same id and is applied once by the stream's de-duplication and the agent's ledger.
 */
import { match } from 'ts-pattern';
import { createHash } from 'node:crypto';
import { RavelError } from '../../../core/errors.ts';
import type { StoreRef } from '../../../domain/library/library-records.ts';
import { plannedIpOf } from '../../../domain/network/deployment-network.ts';
import { idKey, sizeInMb, type HardDrive, type VmDeployment } from '../../../domain/schemas/index.ts';
import { imageTenantOf } from '../../../domain/tenancy/image-tenant.ts';
import type { HostCommand } from '../../../domain/vm/vm-state-machine.ts';
import type { VmSpec } from '../../../hvx/hypervisor.ts';
import type { HvxCommand } from '../../../hvx/protocol.ts';

export const hvxVmId = (applicationId: number, vmKey: string): string => `a${applicationId}-${vmKey}`;

/** The application and VM of an HVX VM id this control plane made; undefined for any other. */
export function parseHvxVmId(vmId: string): { applicationId: number; vmKey: string } | undefined {
  const m = /^a([0-9]{1,16})-([0-9]{1,20})$/.exec(vmId);
  if (m === null) return undefined;
  const applicationId = Number(m[1]);
  return Number.isSafeInteger(applicationId) ? { applicationId, vmKey: m[2] ?? '' } : undefined;
}

export const commandIdOf = (applicationId: number, vmKey: string, kind: HvxCommand['kind'], gen: number): string => `${hvxVmId(applicationId, vmKey)}-${kind}-${gen}`;

const COMMAND_ID = /^a([0-9]{1,16})-[0-9]{1,20}-([A-Za-z]+)-[0-9]+$/;

/** The application a command id names; undefined for a command this control plane did not make. */
export function applicationOfCommand(commandId: string): number | undefined {
  const m = COMMAND_ID.exec(commandId);
  return m === null ? undefined : Number(m[1]);
}

/** The kind of command an id names (its third part); undefined for a command this control plane did not make. */
export const commandKindOf = (commandId: string): string | undefined => COMMAND_ID.exec(commandId)?.[2];

/** A stable locally administered MAC for a NIC without one. */
function macFor(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  const bytes = [0x02, h[0] ?? 0, h[1] ?? 0, h[2] ?? 0, h[3] ?? 0, h[4] ?? 0];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * What the hypervisor defines for a deployed VM, under the organization's image-store tenant.
 * Each disk names its own image and version in the store (`disks`, cloned at publish); without
 * one (a node with no image store) it names its library image, or `blank`.
 */
export function vmSpecOf(organizationId: number, applicationId: number, vm: VmDeployment, disks: Readonly<Record<string, StoreRef>> = {}): VmSpec {
  const vmId = hvxVmId(applicationId, idKey(vm.id));
  const legacy = (d: HardDrive): StoreRef => ({ image: d.baseDiskImageId === undefined ? 'blank' : `image-${d.baseDiskImageId}`, version: 'v1' });
  return {
    id: vmId,
    tenant: imageTenantOf(organizationId),
    cpus: vm.numCpus,
    memoryMb: sizeInMb(vm.memorySize),
    disks: vm.hardDrives
      .filter((d) => d.type === 'DISK')
      .map((d) => ({ id: `d${idKey(d.id)}`, ...(disks[idKey(d.id)] ?? legacy(d)) })),
    // The network plan's MAC and address (deployment-network.ts); a hashed MAC only for a
    // deployment stored before NICs were planned.
    nics: vm.networkConnections.map((n, i) => {
      const mac = n.device.mac?.toLowerCase();
      const ip = plannedIpOf(n);
      return { id: `n${idKey(n.id)}`, mac: mac !== undefined && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac) ? mac : macFor(`${vmId}/${i}`), network: 'default', ...(ip === undefined ? {} : { ip }) };
    }),
  };
}

export interface CommandTarget {
  readonly organizationId: number;
  readonly applicationId: number;
  readonly vm: VmDeployment;
  /** The VM's transition count after this transition. */
  readonly gen: number;
  readonly now: number;
  /** The application's disks in the image store, by disk id key. */
  readonly disks?: Readonly<Record<string, StoreRef>>;
  /** Their newest snapshots, by disk id key: what a define starts from, except after resetting disks. */
  readonly snapshots?: Readonly<Record<string, StoreRef>>;
}

/**
 * The HVX commands for one host command of the state machine. A define starts each disk from its
 * newest snapshot; resetting disks undefines the VM (its written blocks go with it) and defines it
 * again from its disks as published.
 */
export function hvxCommandsFor(c: HostCommand, t: CommandTarget): HvxCommand[] {
  const host = t.vm.hostId;
  if (host === undefined) throw new RavelError('INTERNAL', `VM ${idKey(t.vm.id)} has no host`);
  const vmKey = idKey(t.vm.id);
  const vmId = hvxVmId(t.applicationId, vmKey);
  const base = (kind: HvxCommand['kind']) => ({ id: commandIdOf(t.applicationId, vmKey, kind, t.gen), host, issuedAt: t.now });
  const define = (disks = { ...t.disks, ...t.snapshots }): HvxCommand => ({ ...base('define'), kind: 'define', spec: vmSpecOf(t.organizationId, t.applicationId, t.vm, disks) });
  return match(c)
    // Reprovisioning defines the VM on the host it was moved to (its hostId already names it).
    .with('provision', 'reprovision', (): HvxCommand[] => [define()])
    .with('boot', (): HvxCommand[] => [{ ...base('start'), kind: 'start', vmId }])
    .with('shutdown', (): HvxCommand[] => [{ ...base('shutdown'), kind: 'shutdown', vmId }])
    .with('poweroff', (): HvxCommand[] => [{ ...base('powerOff'), kind: 'powerOff', vmId }])
    .with('reboot', (): HvxCommand[] => [{ ...base('restart'), kind: 'restart', vmId }])
    .with('resetDisks', (): HvxCommand[] => [{ ...base('undefine'), kind: 'undefine', vmId }, define(t.disks)])
    .with('snapshot', (): HvxCommand[] => [{ ...base('snapshot'), kind: 'snapshot', vmId }])
    .exhaustive();
}

/**
 * Takes a VM off `host` for good (removed by publishing updates, its application deleted, or
 * moved elsewhere): powered off if it runs, then undefined, which frees its disks there. The
 * host applies its queue in order, so the undefine finds the VM stopped.
 */
export function retireCommands(applicationId: number, vmKey: string, host: string, gen: number, now: number): HvxCommand[] {
  const vmId = hvxVmId(applicationId, vmKey);
  const base = (kind: HvxCommand['kind']) => ({ id: commandIdOf(applicationId, vmKey, kind, gen), host, issuedAt: now });
  return [
    { ...base('powerOff'), kind: 'powerOff', vmId },
    { ...base('undefine'), kind: 'undefine', vmId },
  ];
}
