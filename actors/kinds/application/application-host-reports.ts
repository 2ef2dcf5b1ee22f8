/**
 * What hosts tell the application actor, through the hvx bridge: VM state changes and command
 * results (a host declared dead: application-repair.ts); and its two reminders: sending queued commands to hosts, and
 * the expiration that stops the application. A report the state machine refuses (late, out of
 * order) changes nothing; a status older than the last applied one (a replay) is ignored.
 */
import { match } from 'ts-pattern';
import type { Principal } from '../../../domain/tenancy/principal.ts';
import { planVmAction } from '../../../domain/application/application-actions.ts';
import { isExpired } from '../../../domain/schedule/expiration.ts';
import { idKey, type VmDeployment } from '../../../domain/schemas/index.ts';
import { vmPrice } from '../../../domain/billing/pricing.ts';
import type { Region } from '../../../domain/placement/placement-types.ts';
import { transitionVm, type VmEvent } from '../../../domain/vm/vm-state-machine.ts';
import { sendCommand } from '../../../hvx/host-provisioning.ts';
import { commandKindOf } from './application-host-commands.ts';
import { commit, type Ctx, type Live, type Msg } from './application-design.ts';
import type { ApplicationDeploymentDeps } from './application-deployment.ts';
import type { VmRuntime } from './application-state.ts';
import { abandonHostless } from './application-repair.ts';
import { snapshotResult } from './application-snapshots.ts';
import { eventOfState, isSentAgain } from './application-settle.ts';
import { moveStoppedVm } from './application-vm-actions.ts';
import { applyVmTransitions, EXPIRATION_REMINDER, type VmChange } from './application-vm-transitions.ts';

const system: Principal = { kind: 'system' };

function deployed(ctx: Ctx): Live | undefined {
  const s = ctx.state;
  return s.status === 'live' && s.app.deployment !== undefined && s.runtime !== null ? s : undefined;
}

/** The VM's hourly price in the application's region (micro-units), for billing from the event stream; 0 when the region is unknown. */
function priceOf(s: Live, vm: VmDeployment, regions: readonly Region[]): number {
  const region = regions.find((r) => r.name === s.app.deployment?.regionName);
  return region === undefined ? 0 : vmPrice(vm, region).totalMicrosPerHour;
}

/** Applies one host event to one VM, if the state machine allows it; records the event either way. */
function onVmEvent(ctx: Ctx, s: Live, vmKey: string, event: VmEvent | undefined, bookkeeping: (rt: VmRuntime) => VmRuntime, regions: readonly Region[]): void {
  const vm = s.app.deployment?.vms.find((v) => idKey(v.id) === vmKey);
  const rt = s.runtime?.vms[vmKey];
  if (vm === undefined || rt === undefined || s.runtime === null) return;
  const noted: Live = { ...s, runtime: { ...s.runtime, vms: { ...s.runtime.vms, [vmKey]: bookkeeping(rt) } } };
  const t = event === undefined ? undefined : transitionVm(vm.state, event);
  if (t === undefined || !t.ok) {
    ctx.setState(noted);
    return;
  }
  const next = applyVmTransitions(noted, [{ id: vm.id, to: t.state, commands: t.commands }], ctx.clock.now(), ctx.reminders);
  if (t.state === vm.state && t.commands.length === 0) ctx.setState(next);
  else commit(ctx, next, system, ['VM_STATE_CHANGED'], { vmId: vmKey, from: vm.state, to: t.state, microsPerHour: priceOf(s, vm, regions) });
}

/**
 * Host reports that move nothing here, which the bridge need not hand over (each report handed
 * over is a turn and a durable write, of its idempotency key if nothing else): a VM on its way up
 * or down (only where it ends up moves the state machine: see hostStatus), and a command that
 * succeeded, other than a define or a snapshot (hostResult: only a define's success or any failure
 * moves the VM; a snapshot's versions are recorded). What they would leave behind is bookkeeping that a later report of the VM overwrites.
 */
export const hostStatusMatters = (state: Msg<'hostStatus'>['state']): boolean => state !== 'starting' && state !== 'stopping';
export const hostResultMatters = (commandId: string, ok: boolean): boolean =>
  !ok || commandKindOf(commandId) === 'define' || commandKindOf(commandId) === 'snapshot' || isSentAgain(commandId);

export async function hostStatus(ctx: Ctx, m: Msg<'hostStatus'>, regions: readonly Region[]): Promise<null> {
  const s = deployed(ctx);
  const rt = s?.runtime?.vms[m.vmKey];
  if (s === undefined || rt === undefined || m.seq <= rt.lastStatusSeq) return null;
  const vm = s.app.deployment?.vms.find((v) => idKey(v.id) === m.vmKey);
  if (vm?.hostId !== m.host) return null; // from a host the VM has left
  const event = match(m.state)
    .with('running', (): VmEvent => ({ kind: 'host', report: 'booted' }))
    // A reboot passes through stopped on the host; the host carries it on by itself.
    .with('stopped', (): VmEvent | undefined => (vm?.state === 'RESTARTING' ? undefined : { kind: 'host', report: 'stopped' }))
    .with('failed', (): VmEvent => ({ kind: 'host', report: 'failed' }))
    .with('starting', 'stopping', () => undefined)
    .exhaustive();
  onVmEvent(ctx, s, m.vmKey, event, (r) => ({ ...r, lastStatusSeq: m.seq }), regions);
  await moveIfRedeployed(ctx, m.vmKey, rt);
  return null;
}

/** A redeploy of the running VM goes on once it is stopped (its snapshot asked). */
async function moveIfRedeployed(ctx: Ctx, vmKey: string, before: VmRuntime): Promise<void> {
  const after = deployed(ctx);
  const stopped = after?.app.deployment?.vms.find((v) => idKey(v.id) === vmKey)?.state === 'STOPPED';
  if (after !== undefined && stopped && before.moveWhenStopped === true) await moveStoppedVm(ctx, after, vmKey);
}

export async function hostResult(ctx: Ctx, m: Msg<'hostResult'>, regions: readonly Region[]): Promise<null> {
  const s = deployed(ctx);
  if (s === undefined || s.runtime === null) return null;
  if (commandKindOf(m.commandId) === 'snapshot') return snapshotResult(ctx, m);
  const entry = Object.entries(s.runtime.vms).find(([, r]) => r.pending === m.commandId);
  if (entry === undefined) return null;
  const [vmKey, rt] = entry;
  const { pending: _p, ...settled } = rt;
  const event: VmEvent | undefined = !m.ok
    ? { kind: 'host', report: 'failed' }
    : commandKindOf(m.commandId) === 'define'
      ? { kind: 'host', report: 'provisioned', startAfter: rt.startAfter }
      : isSentAgain(m.commandId)
        ? eventOfState(m.state)
        : undefined;
  onVmEvent(ctx, s, vmKey, event, () => settled, regions);
  await moveIfRedeployed(ctx, vmKey, rt);
  return null;
}

/** VM states on their way up, which cannot be stopped yet: an expiration waits for them. */
const comingUp: ReadonlySet<string> = new Set(['PUBLISHING', 'STARTING', 'RESTARTING']);
/** How soon an expiration that found VMs coming up looks again. */
export const EXPIRATION_RETRY_MS = 2000;

/**
 * The expiration: stops every VM that can stop now. VMs left in ERROR with no host, their host
 * lost and no room found to repair them (application-repair.ts), are stopped at once: nothing of
 * them runs anywhere. VMs still coming up (a boot report delayed by a node's crash, say) cannot
 * be stopped yet; the expiration then stays set and fires again shortly, rather than being
 * forgotten with those VMs left to run (a host lost meanwhile leaves them STOPPED).
 */
export function expire(ctx: Ctx): void {
  const s = deployed(ctx);
  const now = ctx.clock.now();
  if (s === undefined || !isExpired(s.app.nextStopTime, now)) return;
  const dep = s.app.deployment;
  if (dep === undefined) return;
  let changes: VmChange[] = [];
  try {
    changes = planVmAction(dep.vms, 'stop').map((c) => ({ id: c.id, to: c.to, commands: c.commands }));
  } catch {
    changes = []; // nothing can stop now
  }
  changes = [...changes, ...abandonHostless(dep.vms)];
  const stopping = new Set(changes.map((c) => idKey(c.id)));
  const waiting = dep.vms.filter((vm) => !stopping.has(idKey(vm.id)) && comingUp.has(vm.state));
  const { nextStopTime: stopAt, ...app } = s.app;
  const { expirationTime: _e, ...deployment } = dep;
  const next: Live = waiting.length > 0 ? s : { ...s, app: { ...app, deployment } };
  const after = applyVmTransitions(next, changes, now, ctx.reminders);
  if (waiting.length > 0) ctx.reminders.set(EXPIRATION_REMINDER, now + EXPIRATION_RETRY_MS);
  if (changes.length === 0 && waiting.length > 0) return; // nothing to record yet: look again shortly
  commit(ctx, after, system, ['APPLICATION_EXPIRED'], { nextStopTime: stopAt, vms: changes.map((c) => idKey(c.id)), ...(waiting.length > 0 ? { waitingFor: waiting.map((v) => idKey(v.id)) } : {}) });
}

/** The host-commands reminder: puts the queued commands on their hosts' queues, then forgets them. */
export async function sendQueuedCommands(ctx: Ctx, deps: ApplicationDeploymentDeps): Promise<void> {
  const s = ctx.state;
  if (s.status !== 'live' || s.runtime === null || s.runtime.outgoing.length === 0) return;
  for (const c of s.runtime.outgoing) await sendCommand(deps.bus, c);
  ctx.setState({ ...s, runtime: { ...s.runtime, outgoing: [] } });
}
