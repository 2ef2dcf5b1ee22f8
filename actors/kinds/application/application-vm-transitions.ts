/**
 * Applies VM state changes planned by the state machine to a live application: the deployment's
 * VM states, the runtime's per-VM bookkeeping, and the HVX commands to send after the commit
 * (queued in `runtime.outgoing`, sent by the host-commands reminder).
 */
import { totalActiveVms } from '../../../domain/application/application-state.ts';
import { idKey, type LocalId, type VmDeployment, type VmState } from '../../../domain/schemas/index.ts';
import type { HostCommand } from '../../../domain/vm/vm-state-machine.ts';
import type { HvxCommand } from '../../../hvx/protocol.ts';
import type { Reminders } from '../../actor-kind.ts';
import type { Live } from './application-design.ts';
import { hvxCommandsFor } from './application-host-commands.ts';
import type { VmRuntime } from './application-state.ts';
import { armSettle } from './application-settle.ts';

export const HOST_COMMANDS_REMINDER = 'host-commands';
export const EXPIRATION_REMINDER = 'expiration';

export interface VmChange {
  readonly id: LocalId;
  readonly to: VmState;
  readonly commands: readonly HostCommand[];
  /** For provisioning: boot once defined. */
  readonly startAfter?: boolean;
  /** A redeploy of a running VM: move it once it has stopped. Kept only while it is STOPPING. */
  readonly moveWhenStopped?: boolean;
}

const fresh: VmRuntime = { gen: 0, startAfter: false, lastStatusSeq: 0 };

/** The next live state after `changes`; unchanged VMs keep their state and bookkeeping. */
export function applyVmTransitions(s: Live, changes: readonly VmChange[], now: number, reminders: Reminders): Live {
  const dep = s.app.deployment;
  if (dep === undefined || changes.length === 0) return s;
  const byKey = new Map(changes.map((c) => [idKey(c.id), c]));
  const runtimeVms: Record<string, VmRuntime> = { ...(s.runtime?.vms ?? {}) };
  const outgoing: HvxCommand[] = [...(s.runtime?.outgoing ?? [])];
  let snapshots = s.snapshots;
  const vms = dep.vms.map((vm) => {
    const key = idKey(vm.id);
    const c = byKey.get(key);
    if (c === undefined) return vm;
    const next = { ...vm, state: c.to };
    const before = runtimeVms[key] ?? fresh;
    const { moveWhenStopped: _m, ...kept } = before;
    const move = c.moveWhenStopped ?? (c.to === 'STOPPING' ? before.moveWhenStopped : undefined);
    let rt: VmRuntime = { ...kept, ...(c.startAfter === undefined ? {} : { startAfter: c.startAfter }), ...(move === true ? { moveWhenStopped: true } : {}) };
    // Reset disks start from their disks as published: their snapshots are forgotten.
    if (c.commands.includes('resetDisks')) snapshots = withoutDisksOf(snapshots, next);
    if (c.commands.length > 0) {
      const gen = before.gen + 1;
      const target = { organizationId: s.organizationId, applicationId: s.app.id, vm: next, gen, now, ...(s.disks === undefined ? {} : { disks: s.disks }), ...(snapshots === undefined ? {} : { snapshots }) };
      const cmds = c.commands.flatMap((hc) => hvxCommandsFor(hc, target));
      outgoing.push(...cmds);
      rt = { ...rt, gen, pending: cmds[cmds.length - 1]?.id ?? '' };
      if (c.to === 'STARTING' || c.to === 'STOPPING') {
        rt = { ...rt, transitionAt: now };
        armSettle(reminders, now);
      }
      const snapshot = cmds.find((x) => x.kind === 'snapshot');
      if (snapshot !== undefined) {
        rt = { ...rt, snapshot: { command: snapshot.id, host: snapshot.host, askedAt: now } };
        armSettle(reminders, now);
      }
    }
    runtimeVms[key] = rt;
    return next;
  });
  if (outgoing.length > 0 && reminders.get(HOST_COMMANDS_REMINDER) === undefined) reminders.set(HOST_COMMANDS_REMINDER, now);
  const deployment = { ...dep, vms, totalActiveVms: totalActiveVms({ vms }) };
  return { ...s, app: { ...s.app, deployment }, runtime: { vms: runtimeVms, outgoing }, ...(snapshots === undefined ? {} : { snapshots }) };
}

function withoutDisksOf(snapshots: Live['snapshots'], vm: VmDeployment): Live['snapshots'] {
  if (snapshots === undefined) return undefined;
  const reset = new Set(vm.hardDrives.map((d) => idKey(d.id)));
  return Object.fromEntries(Object.entries(snapshots).filter(([k]) => !reset.has(k)));
}
