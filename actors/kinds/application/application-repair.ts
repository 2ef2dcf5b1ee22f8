/**
 * A host declared dead: every VM of this application on it is taken off it, its room there given
 * back. Those meant to run go to ERROR and are repaired onto other hosts of the region (placed
 * again, the dead host left out), booting again there; when the region has no room they stay in
 * ERROR with no host, and the expiration, once due, stops them (application-host-reports.ts).
 * The others (stopped or being stopped, or all of them once the expiration is due) are left
 * STOPPED, to be placed anew when started (application-placing.ts): their disks are in the
 * image store, and nothing of them runs anywhere.
 */
import { idKey, sizeInMb, type Deployment, type VmDeployment } from '../../../domain/schemas/index.ts';
import type { Placement } from '../../../domain/placement/placement-types.ts';
import type { Principal } from '../../../domain/tenancy/principal.ts';
import { match } from 'ts-pattern';
import { isExpired } from '../../../domain/schedule/expiration.ts';
import { transitionVmOrThrow } from '../../../domain/vm/vm-state-machine.ts';
import { regionRef, type RegionMsg } from '../region/region-kind.ts';
import { commit, type Ctx, type Live, type Msg } from './application-design.ts';
import { releaseHostRoom } from './application-retire.ts';
import { newestVersions, settleSnapshots, snapshotsAskedOf } from './application-snapshots.ts';
import type { VmRuntime } from './application-state.ts';
import { applyVmTransitions, EXPIRATION_REMINDER, type VmChange } from './application-vm-transitions.ts';
import { withdrawPlacement } from './application-withdrawals.ts';

const system: Principal = { kind: 'system' };

function deployed(ctx: Ctx): (Live & { app: { deployment: Deployment } }) | undefined {
  const s = ctx.state;
  return s.status === 'live' && s.app.deployment !== undefined && s.runtime !== null ? (s as Live & { app: { deployment: Deployment } }) : undefined;
}

/** A VM of a lost host given up on, not to run again: STOPPED (from ERROR or STOPPED), booting nothing. */
export function abandonedVm(v: VmDeployment): VmChange {
  const lost = transitionVmOrThrow(v.state, { kind: 'host', report: 'hostLost' });
  return { id: v.id, to: transitionVmOrThrow(lost.state, { kind: 'host', report: 'abandoned' }).state, commands: [], startAfter: false };
}

/**
 * The VMs left in ERROR with no host, their host lost and no room found to repair them, given up
 * on: STOPPED. What a stop of the whole application, or its expiration, does to them.
 */
export const abandonHostless = (vms: readonly VmDeployment[]): VmChange[] => vms.filter((v) => v.state === 'ERROR' && v.hostId === undefined).map(abandonedVm);

export async function hostLost(ctx: Ctx, m: Msg<'hostLost'>): Promise<null> {
  const before = deployed(ctx);
  if (before === undefined) return null;
  // Snapshots asked of the host never come: a dead host cannot be snapshotted. VMs moved off it
  // that await the snapshot of their stop are defined on their new hosts, and a blueprint waiting
  // on one is saved now, from the newest versions in the store (application-snapshots.ts).
  const asked = snapshotsAskedOf(before, m.host, m.vmKeys);
  if (asked.length > 0) await settleSnapshots(ctx, before, asked, []);
  const s = deployed(ctx);
  if (s === undefined) return null;
  const named = new Set(m.vmKeys);
  const lost = s.app.deployment.vms.filter((v) => named.has(idKey(v.id)) && v.hostId === m.host);
  if (lost.length === 0) return null;
  const now = ctx.clock.now();
  // Whether each VM is to run again after repair, read before ERROR hides what it was doing.
  const broken = lost.filter((v) => meantToRun(s, v, now));
  const repairing = new Set(broken.map((v) => idKey(v.id)));
  const changes: VmChange[] = lost.map((v) => (repairing.has(idKey(v.id)) ? { id: v.id, to: transitionVmOrThrow(v.state, { kind: 'host', report: 'hostLost' }).state, commands: [] } : abandonedVm(v)));
  await releaseHostRoom(ctx, s.app.id, lost);
  commit(ctx, applyVmTransitions(withoutHost(s, lost), changes, now, ctx.reminders), system, ['HOST_DOWN'], {
    host: m.host,
    // The VMs the loss put down (billing ends their runs), and those left STOPPED, off the host.
    vms: lost.filter((v) => v.state !== 'STOPPED' && v.state !== 'ERROR').map((v) => idKey(v.id)),
    ...(broken.length < lost.length ? { unassigned: lost.filter((v) => !repairing.has(idKey(v.id))).map((v) => idKey(v.id)) } : {}),
  });
  if (broken.length > 0) await repair(ctx, broken, m.host);
  return null;
}

/**
 * The VMs of a dead host taken off it: no host, nothing awaited from it (its results never
 * come). Their disks live in the image store, so a repair or the next start places them anew.
 */
function withoutHost(s: Live & { app: { deployment: Deployment } }, vms: readonly VmDeployment[]): Live & { app: { deployment: Deployment } } {
  if (vms.length === 0) return s;
  const keys = new Set(vms.map((v) => idKey(v.id)));
  const dep = s.app.deployment;
  const runtimeVms: Record<string, VmRuntime> = { ...(s.runtime?.vms ?? {}) };
  for (const k of keys) {
    const rt = runtimeVms[k];
    if (rt === undefined) continue;
    // Nothing awaited from a dead host: no result, no snapshot.
    const { pending: _p, snapshot: _s, ...settled } = rt;
    runtimeVms[k] = settled;
  }
  const vmsAfter = dep.vms.map((v) => {
    if (!keys.has(idKey(v.id))) return v;
    const { hostId: _h, ...rest } = v;
    return rest;
  });
  return { ...s, app: { ...s.app, deployment: { ...dep, vms: vmsAfter } }, runtime: { vms: runtimeVms, outgoing: s.runtime?.outgoing ?? [] } };
}

/**
 * Whether a VM lost with its host is to be repaired, to boot again: only if the last word on it
 * was to run (STARTING, STARTED, RESTARTING; PUBLISHING to start after). A STOPPING VM was
 * being stopped, by a user or by the expiration, and that stop was acknowledged: bringing it
 * back up would undo it (the expiration has already cleared `nextStopTime` and would not fire
 * again). An ERROR VM had failed there and was not running. And once the application's
 * expiration is due, nothing comes back up: the simplest rule that keeps an expiration falling
 * during a repair, whatever order the two arrive in.
 */
function meantToRun(s: Live, v: VmDeployment, now: number): boolean {
  if (isExpired(s.app.nextStopTime, now)) return false;
  return match(v.state)
    .with('STARTING', 'STARTED', 'RESTARTING', () => true)
    .with('PUBLISHING', () => s.runtime?.vms[idKey(v.id)]?.startAfter ?? false)
    .with('STOPPING', 'STOPPED', 'ERROR', () => false)
    .exhaustive();
}

/**
 * The state with the disks of `vms` at their newest version in the store (the last snapshot a
 * host wrote), for defining them on another host: the version made at publish would lose what
 * the guest wrote since. Unchanged without an image store; when the library cannot answer, the
 * versions recorded are kept (the move goes on from them) and the reason logged. A stop snapshots
 * the VM (application-snapshots.ts), whose versions then override these; a VM lost with its host
 * while running keeps only what was snapshotted before: a dead host cannot be snapshotted.
 */
export async function withNewestDisks<S extends Live>(ctx: Ctx, s: S, vms: readonly VmDeployment[]): Promise<S> {
  if (s.disks === undefined) return s;
  const newest = await newestVersions(ctx, s, vms.flatMap((v) => v.hardDrives));
  return newest === null ? s : { ...s, disks: { ...s.disks, ...newest } };
}

/**
 * The key a repair places under, in the region's memo (region-placements.ts): a turn retried
 * after a crash sees the same outbox sequence, hence the same key, and is answered the room its
 * first try holds.
 */
const repairKey = (s: Live, deadHost: string): string => `repair:${s.app.id}:${deadHost}:${s.outbox.lastLocalSeq}`;

/**
 * Places the VMs of a dead host anew and defines them there, to boot once defined. Without room
 * they stay in ERROR with no host; if the expiration has come due meanwhile, its reminder is
 * armed to stop them now rather than leave them so.
 *
 * A failed placement ask may still have placed them (its answer lost, a timeout): the region is
 * asked to withdraw the key, giving back whatever room it holds, before the VMs are left without
 * a host; a refusal for want of room holds none, and withdrawing it only retires the key. A
 * withdrawal that fails too is tried again (application-withdrawals.ts).
 */
async function repair(ctx: Ctx, lost: readonly VmDeployment[], deadHost: string): Promise<void> {
  const s = deployed(ctx);
  if (s === undefined) return;
  const dep = s.app.deployment;
  const key = repairKey(s, deadHost);
  const region = regionRef(dep.regionName);
  let placement: Placement;
  try {
    const msg: RegionMsg = {
      type: 'place',
      applicationId: s.app.id,
      vms: lost.map((v) => ({ vmKey: idKey(v.id), cpus: v.numCpus, memoryMb: sizeInMb(v.memorySize) })),
      optimization: dep.optimizationLevel,
      excludeHosts: [deadHost],
      key,
    };
    placement = await ctx.actors.ask<Placement, RegionMsg>(region, msg);
  } catch (e) {
    ctx.log.warn({ err: e, application: s.app.id, host: deadHost }, 'VMs of a dead host left in ERROR: no room to repair them');
    await withdrawPlacement(ctx, dep.regionName, key, s.app.id);
    const now = ctx.clock.now();
    if (isExpired(s.app.nextStopTime, now)) ctx.reminders.set(EXPIRATION_REMINDER, now);
    return;
  }
  const hostOf = new Map(placement.assignments.map((a) => [a.vmKey, a.hostId]));
  const moved: Live = {
    ...(await withNewestDisks(ctx, s, lost)),
    app: { ...s.app, deployment: { ...dep, vms: dep.vms.map((v) => {
      const hostId = hostOf.get(idKey(v.id));
      return hostId === undefined ? v : { ...v, hostId };
    }) } },
  };
  const changes: VmChange[] = lost.map((v) => {
    const t = transitionVmOrThrow('ERROR', { kind: 'action', action: 'repair' });
    return { id: v.id, to: t.state, commands: t.commands, startAfter: true };
  });
  commit(ctx, applyVmTransitions(moved, changes, ctx.clock.now(), ctx.reminders), system, ['VM_REPAIRED'], { from: deadHost, to: Object.fromEntries(hostOf) });
}
