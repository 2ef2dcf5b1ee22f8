/**
 * Actions on named VMs of a deployment, one VM or several in one turn: the state machine plans
 * every named VM first (planVmAction), so one refusal (ILLEGAL_STATE, NOT_FOUND) refuses all and
 * nothing changes. `redeploy` and `repair` move the VM: placed again in the region away from its
 * host (kept on it when the region has no other room), taken off the old host, defined on the
 * new one; a move refused after placing some VMs gives their new room back (givingMovesBack).
 * `resetDisks` undefines and defines it again where it is.
 */
import { planVmAction, type PlannedVmChange } from '../../../domain/application/application-actions.ts';
import { RavelError } from '../../../core/errors.ts';
import type { Placement } from '../../../domain/placement/placement-types.ts';
import { idKey, sizeInMb, type Application, type Deployment, type VmDeployment } from '../../../domain/schemas/index.ts';
import { action, isVmRunning, transitionVmOrThrow } from '../../../domain/vm/vm-state-machine.ts';
import { regionRef, type RegionMsg } from '../region/region-kind.ts';
import { isNoRoom } from '../region/region-no-room.ts';
import { commit, visible, type Ctx, type Live, type Msg } from './application-design.ts';
import { withClaim } from './application-usage.ts';
import { releaseHostRoom, retireVms } from './application-retire.ts';
import { placeHostless } from './application-placing.ts';
import { abandonedVm, withNewestDisks } from './application-repair.ts';
import { applyVmTransitions, type VmChange } from './application-vm-transitions.ts';
import { awaitSnapshots } from './application-snapshots.ts';

function published(s: Live): Deployment {
  if (s.app.deployment === undefined) throw new RavelError('ILLEGAL_STATE', `application ${s.app.id} is not published`);
  return s.app.deployment;
}

/**
 * The key a move of `vm` places under, in the region's memo (region-placements.ts) rather than
 * the runtime's idempotency record, which cannot be forgotten. A retried turn sees the same
 * outbox sequence, hence the same key, and is answered the room its first try holds (a crash
 * gives nothing back); a turn refused after placing gives the room back and has the region
 * forget the key first (givingMovesBack), so a retry places anew.
 */
const moveKey = (s: Live, vm: VmDeployment): string => `move:${s.app.id}:${idKey(vm.id)}:${s.outbox.lastLocalSeq}`;

/** A VM placed on a new host this turn under `key`: its room there goes back if the turn is refused. */
interface Taken {
  readonly vm: VmDeployment;
  readonly hostId: string;
  readonly key: string;
}

/**
 * A new host for `vm` in the region, away from its current one, noted in `taken`; its current
 * one when the region answers that none other has room (nothing taken).
 */
async function newHostFor(ctx: Ctx, s: Live, dep: Deployment, vm: VmDeployment, taken: Taken[]): Promise<string | undefined> {
  const key = moveKey(s, vm);
  const msg: RegionMsg = {
    type: 'place',
    applicationId: s.app.id,
    vms: [{ vmKey: idKey(vm.id), cpus: vm.numCpus, memoryMb: sizeInMb(vm.memorySize) }],
    optimization: dep.optimizationLevel,
    ...(vm.hostId === undefined ? {} : { excludeHosts: [vm.hostId] }),
    key,
  };
  let p: Placement;
  try {
    p = await ctx.actors.ask<Placement, RegionMsg>(regionRef(dep.regionName), msg);
  } catch (e) {
    // Only the region's own "no room" keeps the VM where it is: a failed ask may have placed
    // it (answer lost), and the refusal lets a retry under the same key be answered that room.
    if (isNoRoom(e) && vm.hostId !== undefined) return vm.hostId;
    throw e;
  }
  const hostId = p.assignments[0]?.hostId;
  if (hostId !== undefined) taken.push({ vm, hostId, key });
  return hostId;
}

/**
 * Runs `turn`, which moves VMs of `s` or places hostless ones anew (application-placing.ts),
 * noting what it takes; refused (a later VM without room, an old host not answering its
 * release), it gives that room back before the refusal: the refusal drops the turn's state,
 * while the hosts would hold the room for nobody. Each key is forgotten
 * before its room goes back: a release failing halfway then leaves room held for nobody (a leak)
 * rather than a memo answering room that is gone (two owners). The refusal is what the caller
 * sees; a failed giving back is logged.
 */
export async function givingMovesBack<T>(ctx: Ctx, s: Live, turn: (taken: Taken[]) => Promise<T>): Promise<T> {
  const taken: Taken[] = [];
  try {
    return await turn(taken);
  } catch (e) {
    if (taken.length === 0) throw e;
    const region = regionRef(published(s).regionName);
    try {
      for (const key of new Set(taken.map((t) => t.key))) await ctx.actors.ask<null, RegionMsg>(region, { type: 'forgetPlacement', key });
      await releaseHostRoom(ctx, s.app.id, taken.map((t) => ({ ...t.vm, hostId: t.hostId })));
    } catch (back) {
      ctx.log.warn({ err: back, application: s.app.id, vms: taken.map((t) => idKey(t.vm.id)) }, 'room of a refused move not given back');
    }
    throw e;
  }
}

/** What a move did: the state with the new hosts, and what the caller does after. */
interface Moved {
  readonly state: Live;
  /** VMs whose old host's room is to be released after the commit. */
  readonly left: VmDeployment[];
  /** VMs defined on their new host only once their old host's snapshot is in (application-snapshots.ts). */
  readonly deferred: ReadonlySet<string>;
}

/**
 * Moves the VMs whose changes reprovision them: new hosts first (a failure there changes
 * nothing), then the old hosts' copies retired (after a snapshot queued before, on the host's
 * queue in order). A VM whose old host has not answered the snapshot of its stop yet is defined
 * on the new host only once it has: that snapshot holds what its guest wrote. The old host keeps
 * the VM's room until then, so it is not released as idle with the snapshot still to take.
 */
async function moveReprovisioned(ctx: Ctx, s: Live, changes: readonly VmChange[], taken: Taken[]): Promise<Moved> {
  const dep = published(s);
  const moving = new Set(changes.filter((c) => c.commands.includes('reprovision')).map((c) => idKey(c.id)));
  if (moving.size === 0) return { state: s, left: [], deferred: new Set() };
  const hostOf = new Map<string, string>();
  for (const vm of dep.vms) {
    if (!moving.has(idKey(vm.id))) continue;
    const host = await newHostFor(ctx, s, dep, vm, taken);
    if (host !== undefined) hostOf.set(idKey(vm.id), host);
  }
  const old = dep.vms.filter((v) => moving.has(idKey(v.id)));
  // Defined on the new host from each disk's newest snapshot, not the version made at publish.
  // (A host that is dead cannot be snapshotted: the newest version in the store is what there is.)
  const retired = retireVms(await withNewestDisks(ctx, s, old), old, ctx.clock.now(), ctx.reminders);
  const vms = dep.vms.map((v) => {
    const hostId = hostOf.get(idKey(v.id));
    return hostId === undefined ? v : { ...v, hostId };
  });
  const deferred = new Set(old.filter((v) => retired.runtime?.vms[idKey(v.id)]?.snapshot !== undefined).map((v) => idKey(v.id)));
  const left = old.filter((v) => v.hostId !== hostOf.get(idKey(v.id)) && !deferred.has(idKey(v.id)));
  const state = { ...retired, app: { ...retired.app, deployment: { ...dep, vms } } };
  return { state: deferred.size === 0 ? state : awaitSnapshots(state, deferred), left, deferred };
}

/** `changes` without the defines of `deferred` VMs: sent when their snapshots are in. */
const withoutDeferred = (changes: readonly VmChange[], deferred: ReadonlySet<string>): VmChange[] =>
  changes.map((c) => (deferred.has(idKey(c.id)) ? { ...c, commands: c.commands.filter((hc) => hc !== 'reprovision') } : c));

/**
 * Moves a VM a redeploy shut down, now STOPPED with the snapshot of its stop asked: placed
 * elsewhere, PUBLISHING, defined there once the snapshot is in, and booted (it was running).
 */
export async function moveStoppedVm(ctx: Ctx, s: Live, vmKey: string): Promise<void> {
  const vm = published(s).vms.find((v) => idKey(v.id) === vmKey);
  if (vm === undefined) return;
  const t = transitionVmOrThrow(vm.state, action('redeploy'));
  const changes: VmChange[] = [{ id: vm.id, to: t.state, commands: t.commands, startAfter: true }];
  await givingMovesBack(ctx, s, async (taken) => {
    const moved = await moveReprovisioned(ctx, s, changes, taken);
    const next = applyVmTransitions(moved.state, withoutDeferred(changes, moved.deferred), ctx.clock.now(), ctx.reminders);
    await releaseHostRoom(ctx, s.app.id, moved.left);
    commit(ctx, next, { kind: 'system' }, ['VM_STATE_CHANGED'], { vmId: vmKey, from: vm.state, to: t.state, redeploy: true });
  });
}

/** The VMs a plan takes from not running to running: what a quota check adds. */
function startingVms(dep: Deployment, planned: readonly PlannedVmChange[]): VmDeployment[] {
  const keys = new Set(planned.filter((c) => !isVmRunning(c.from) && isVmRunning(c.to)).map((c) => idKey(c.id)));
  return dep.vms.filter((v) => keys.has(idKey(v.id)));
}

export async function vmsAction(ctx: Ctx, m: Msg<'vmAction'> | Msg<'vmsAction'>): Promise<Application> {
  const s = visible(ctx, m.principal, 'EXECUTE');
  const ids = m.type === 'vmAction' ? [m.vmId] : m.vmIds;
  const dep = published(s);
  const planned = planVmAction(dep.vms, m.action, ids);
  // A VM left in ERROR with no host (its host lost, no room to repair it) has nothing to stop:
  // stopping it gives it up, STOPPED, as an application stop or its expiration would.
  const stopping = m.action === 'stop' || m.action === 'shutdown' || m.action === 'poweroff';
  const hostless = new Map(dep.vms.filter((v) => stopping && v.state === 'ERROR' && v.hostId === undefined).map((v) => [idKey(v.id), v]));
  const planChanges: VmChange[] = planned.map((c) => {
    const given = hostless.get(idKey(c.id));
    if (given !== undefined) return abandonedVm(given);
    // A running VM redeployed is shut down first, and moved once stopped (moveStoppedVm).
    const later = m.action === 'redeploy' && c.to === 'STOPPING' ? { moveWhenStopped: true } : {};
    return { id: c.id, to: c.to, commands: c.commands, ...(c.commands.includes('reprovision') ? { startAfter: false } : {}), ...later };
  });
  return givingMovesBack(ctx, s, async (taken) => {
    const moved = await withClaim(ctx, s, m.action === 'start' ? startingVms(dep, planned) : [], async () => {
      const placed = await placeHostless(ctx, s, planChanges, taken);
      const m2 = await moveReprovisioned(ctx, placed.state, placed.changes, taken);
      return { ...m2, changes: withoutDeferred(placed.changes, m2.deferred) };
    });
    const next = applyVmTransitions(moved.state, moved.changes, ctx.clock.now(), ctx.reminders);
    await releaseHostRoom(ctx, s.app.id, moved.left);
    const details = { vms: planned.map((c) => idKey(c.id)), action: m.action, ...(m.type === 'vmAction' ? { vmId: idKey(m.vmId) } : {}) };
    commit(ctx, next, m.principal, ['VM_ACTION_REQUESTED'], details);
    return next.app;
  });
}
