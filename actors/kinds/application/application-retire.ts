/**
 * Taking deployed VMs off their hosts for good: removed from the design and published, their
 * application deleted, or moved to another host. Each gets a power-off and an undefine on its
 * host's queue (freeing its disks there), its bookkeeping is forgotten (late reports about it
 * are then ignored), and its host reservation is released so placement can use the room.
 */
import { isRavelError } from '../../../core/errors.ts';
import { idKey, type VmDeployment } from '../../../domain/schemas/index.ts';
import type { HvxCommand } from '../../../hvx/protocol.ts';
import type { Reminders } from '../../actor-kind.ts';
import { hvxHostRef } from '../hvx-host/hvx-host-kind.ts';
import type { Ctx, Live } from './application-design.ts';
import { retireCommands } from './application-host-commands.ts';
import type { VmRuntime } from './application-state.ts';
import { HOST_COMMANDS_REMINDER } from './application-vm-transitions.ts';

/** The commands that take `vms` off their hosts, each id after the VM's last transition so a resend is the same command. */
export function retireCommandsOf(s: Live, vms: readonly VmDeployment[], now: number): HvxCommand[] {
  const rt: Readonly<Record<string, VmRuntime>> = s.runtime?.vms ?? {};
  return vms.flatMap((v) => {
    const key = idKey(v.id);
    return v.hostId === undefined ? [] : retireCommands(s.app.id, key, v.hostId, (rt[key]?.gen ?? 0) + 1, now);
  });
}

/**
 * The live state with `vms` retired: their commands queued after whatever is already queued
 * (a define still unsent goes first, so the undefine finds the VM), no result awaited. Their
 * bookkeeping keeps its transition count, so a VM id added again later never reuses a command
 * id (the stream and the agent would take it for a resend). Reports about a VM no longer in the
 * deployment are ignored, so callers take `vms` out of `app.deployment` or give them a new host.
 */
export function retireVms(s: Live, vms: readonly VmDeployment[], now: number, reminders: Reminders): Live {
  if (vms.length === 0) return s;
  const commands = retireCommandsOf(s, vms, now);
  const runtimeVms: Record<string, VmRuntime> = { ...(s.runtime?.vms ?? {}) };
  for (const v of vms) {
    const key = idKey(v.id);
    const { pending: _p, ...rt } = runtimeVms[key] ?? { gen: 0, startAfter: false, lastStatusSeq: 0 };
    runtimeVms[key] = { ...rt, gen: rt.gen + 1 };
  }
  if (commands.length > 0 && reminders.get(HOST_COMMANDS_REMINDER) === undefined) reminders.set(HOST_COMMANDS_REMINDER, now);
  return { ...s, runtime: { vms: runtimeVms, outgoing: [...(s.runtime?.outgoing ?? []), ...commands] } };
}

/** Gives back the room these VMs held on their hosts. A host that no longer knows the VM answers all the same. */
export async function releaseHostRoom(ctx: Ctx, applicationId: number, vms: readonly VmDeployment[]): Promise<void> {
  for (const v of vms) {
    if (v.hostId === undefined) continue;
    try {
      await ctx.actors.ask(hvxHostRef(v.hostId), { type: 'release', applicationId, vmKey: idKey(v.id) });
    } catch (e) {
      if (!isRavelError(e, 'NOT_FOUND')) throw e; // a host never registered holds nothing
    }
  }
}
