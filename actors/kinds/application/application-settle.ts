/**
 * The safety net for a VM left STARTING or STOPPING because its host's report was lost (an agent
 * killed with reports in its in-memory queue, say): a durable reminder per application that,
 * SETTLE_AFTER_MS after a VM entered that transition, sends its start or stop again under a new
 * id. The agent applies it (a no-op if the first one was applied) and answers with the VM's state
 * now, which settles it (application-host-reports.ts). Generous, so a slow boot is not disturbed.
 * The same reminder gives up a snapshot never answered (application-snapshots.ts).
 */
import { match } from 'ts-pattern';
import { idKey } from '../../../domain/schemas/index.ts';
import type { VmEvent } from '../../../domain/vm/vm-state-machine.ts';
import type { HvxCommand } from '../../../hvx/protocol.ts';
import type { Reminders } from '../../actor-kind.ts';
import type { Ctx } from './application-design.ts';
import { commandKindOf, hvxVmId } from './application-host-commands.ts';
import type { VmRuntime } from './application-state.ts';
import { giveUpSnapshots } from './application-snapshots.ts';
import { HOST_COMMANDS_REMINDER } from './application-vm-transitions.ts';

export const SETTLE_REMINDER = 'settle';
/** How long a VM may stay STARTING or STOPPING before its command is sent again. */
export const SETTLE_AFTER_MS = 5 * 60_000;
/** What marks a command sent again, in its id's kind (`a1-100-startAgain-7`). */
const AGAIN = 'Again';

export const isSentAgain = (commandId: string): boolean => commandKindOf(commandId)?.endsWith(AGAIN) === true;

/** Arms the reminder for a VM that entered STARTING or STOPPING now, unless it fires sooner already. */
export function armSettle(reminders: Reminders, now: number): void {
  const at = reminders.get(SETTLE_REMINDER);
  if (at === undefined) reminders.set(SETTLE_REMINDER, now + SETTLE_AFTER_MS);
}

/** The report a command sent again stands for: the VM's state on its host now (undefined: still on its way). */
export function eventOfState(state: string | undefined): VmEvent | undefined {
  return match(state)
    .with('running', (): VmEvent => ({ kind: 'host', report: 'booted' }))
    .with('stopped', (): VmEvent => ({ kind: 'host', report: 'stopped' }))
    .with('failed', 'undefined', (): VmEvent => ({ kind: 'host', report: 'failed' }))
    .otherwise(() => undefined);
}

/**
 * The reminder: gives up snapshots never answered (application-snapshots.ts), and sends again the
 * command of each VM in transition past the bound; re-arms while any is.
 */
export async function settle(ctx: Ctx): Promise<void> {
  const snapshotDue = await giveUpSnapshots(ctx);
  resend(ctx);
  const at = ctx.reminders.get(SETTLE_REMINDER)?.dueAt;
  if (snapshotDue !== undefined && (at === undefined || snapshotDue < at)) ctx.reminders.set(SETTLE_REMINDER, snapshotDue);
}

function resend(ctx: Ctx): void {
  const s = ctx.state;
  const dep = s.status === 'live' ? s.app.deployment : undefined;
  if (s.status !== 'live' || dep === undefined || s.runtime === null) return;
  const now = ctx.clock.now();
  const vms: Record<string, VmRuntime> = { ...s.runtime.vms };
  const outgoing: HvxCommand[] = [...s.runtime.outgoing];
  let next: number | undefined;
  for (const vm of dep.vms) {
    const key = idKey(vm.id);
    const rt = vms[key];
    if ((vm.state !== 'STARTING' && vm.state !== 'STOPPING') || rt === undefined || vm.hostId === undefined) continue;
    const due = (rt.transitionAt ?? now) + SETTLE_AFTER_MS;
    if (due > now) {
      next = Math.min(next ?? due, due);
      continue;
    }
    const kind = vm.state === 'STARTING' ? 'start' : commandKindOf(rt.pending ?? '') === 'shutdown' ? 'shutdown' : 'powerOff';
    const gen = rt.gen + 1;
    const id = `${hvxVmId(s.app.id, key)}-${kind}${AGAIN}-${gen}`;
    outgoing.push({ id, host: vm.hostId, issuedAt: now, kind, vmId: hvxVmId(s.app.id, key) });
    vms[key] = { ...rt, gen, pending: id, transitionAt: now };
    next = Math.min(next ?? now + SETTLE_AFTER_MS, now + SETTLE_AFTER_MS);
    ctx.log.warn({ application: s.app.id, vm: key, state: vm.state, command: id }, 'VM still in transition: its command sent again');
  }
  if (next !== undefined) ctx.reminders.set(SETTLE_REMINDER, next);
  if (outgoing.length === s.runtime.outgoing.length) return;
  if (ctx.reminders.get(HOST_COMMANDS_REMINDER) === undefined) ctx.reminders.set(HOST_COMMANDS_REMINDER, now);
  ctx.setState({ ...s, runtime: { vms, outgoing } });
}
