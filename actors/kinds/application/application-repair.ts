/**
 * A host declared dead: its VMs of this application go to ERROR, then are repaired onto other
 * hosts of the region (placed again, the dead host left out) and defined there, booting again
 * those that were running. When the region has no room, they stay in ERROR.
 */
import { idKey, sizeInMb, type Deployment, type VmDeployment } from '../../../domain/schemas/index.ts';
import type { Placement } from '../../../domain/placement/placement-types.ts';
import type { Principal } from '../../../domain/tenancy/principal.ts';
import { isVmRunning, transitionVmOrThrow } from '../../../domain/vm/vm-state-machine.ts';
import { regionRef, type RegionMsg } from '../region/region-kind.ts';
import { commit, type Ctx, type Live, type Msg } from './application-design.ts';
import { applyVmTransitions, type VmChange } from './application-vm-transitions.ts';

const system: Principal = { kind: 'system' };

function deployed(ctx: Ctx): (Live & { app: { deployment: Deployment } }) | undefined {
  const s = ctx.state;
  return s.status === 'live' && s.app.deployment !== undefined && s.runtime !== null ? (s as Live & { app: { deployment: Deployment } }) : undefined;
}

export async function hostLost(ctx: Ctx, m: Msg<'hostLost'>): Promise<null> {
  const s = deployed(ctx);
  if (s === undefined) return null;
  const named = new Set(m.vmKeys);
  const lost = s.app.deployment.vms.filter((v) => named.has(idKey(v.id)) && v.hostId === m.host && v.state !== 'ERROR');
  if (lost.length === 0) return null;
  const toError: VmChange[] = lost.map((v) => ({ id: v.id, to: 'ERROR', commands: [] }));
  commit(ctx, applyVmTransitions(s, toError, ctx.clock.now(), ctx.reminders), system, ['HOST_DOWN'], { host: m.host, vms: lost.map((v) => idKey(v.id)) });
  await repair(ctx, lost, m.host);
  return null;
}

async function repair(ctx: Ctx, lost: readonly VmDeployment[], deadHost: string): Promise<void> {
  const s = deployed(ctx);
  if (s === undefined) return;
  const dep = s.app.deployment;
  let placement: Placement;
  try {
    const msg: RegionMsg = {
      type: 'place',
      applicationId: s.app.id,
      vms: lost.map((v) => ({ vmKey: idKey(v.id), cpus: v.numCpus, memoryMb: sizeInMb(v.memorySize) })),
      optimization: dep.optimizationLevel,
      excludeHosts: [deadHost],
    };
    placement = await ctx.actors.ask<Placement, RegionMsg>(regionRef(dep.regionName), msg, { idempotencyKey: `repair:${s.app.id}:${deadHost}:${s.outbox.lastLocalSeq}` });
  } catch (e) {
    ctx.log.warn({ err: e, application: s.app.id, host: deadHost }, 'VMs of a dead host left in ERROR: no room to repair them');
    return;
  }
  const hostOf = new Map(placement.assignments.map((a) => [a.vmKey, a.hostId]));
  const moved: Live = {
    ...s,
    app: { ...s.app, deployment: { ...dep, vms: dep.vms.map((v) => {
      const hostId = hostOf.get(idKey(v.id));
      return hostId === undefined ? v : { ...v, hostId };
    }) } },
  };
  const changes: VmChange[] = lost.map((v) => {
    const t = transitionVmOrThrow('ERROR', { kind: 'action', action: 'repair' });
    return { id: v.id, to: t.state, commands: t.commands, startAfter: isVmRunning(v.state) };
  });
  commit(ctx, applyVmTransitions(moved, changes, ctx.clock.now(), ctx.reminders), system, ['VM_REPAIRED'], { from: deadHost, to: Object.fromEntries(hostOf) });
}
