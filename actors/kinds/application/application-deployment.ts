/**
 * The application actor's deployment side, for callers: publish to a region, start, stop and
 * restart the application, set its expiration (named VMs: application-vm-actions.ts). Every action goes through the VM state
 * machine (domain/vm, via planVmAction): one the state does not allow is ILLEGAL_STATE and
 * changes nothing. Starting claims room in the organization's limits first (application-usage.ts).
 */
import { match } from 'ts-pattern';
import { RavelError, isRavelError } from '../../../core/errors.ts';
import { publishApplication, setApplicationExpiration, type HostAssignments } from '../../../domain/application/application-lifecycle.ts';
import { planVmAction, type PlannedVmChange } from '../../../domain/application/application-actions.ts';
import { hourlyCost } from '../../../domain/placement/placement.ts';
import type { Optimization, Placement, Region, VmDemand } from '../../../domain/placement/placement-types.ts';
import type { StoreRef } from '../../../domain/library/library-records.ts';
import { idKey, sizeInMb, type Application, type VmDeployment } from '../../../domain/schemas/index.ts';
import { isVmRunning } from '../../../domain/vm/vm-state-machine.ts';
import { planDeploymentNetwork } from '../../../domain/network/deployment-network.ts';
import type { Bus } from '../../../bus/bus.ts';
import { libraryRef } from '../library/library-kind.ts';
import type { LibraryMsg } from '../library/library-messages.ts';
import { regionRef, type RegionMsg } from '../region/region-kind.ts';
import { isNoRoom } from '../region/region-no-room.ts';
import { commit, visible, type Ctx, type Live, type Msg } from './application-design.ts';
import { applyVmTransitions, EXPIRATION_REMINDER, type VmChange } from './application-vm-transitions.ts';
import { DEFAULT_BASE_DOMAIN, exposeDeployedVms } from './application-exposure.ts';
import { releaseHostRoom } from './application-retire.ts';
import { placeHostless } from './application-placing.ts';
import { givingMovesBack } from './application-vm-actions.ts';
import { abandonHostless } from './application-repair.ts';
import { withClaim } from './application-usage.ts';

/** What the deployment side needs beyond the actor: the regions to place in, the bus for commands. */
export interface ApplicationDeploymentDeps {
  readonly regions: readonly Region[];
  readonly bus: Bus;
  /** What VM FQDNs end in (default DEFAULT_BASE_DOMAIN). */
  readonly baseDomain?: string;
}

const demandsOf = (app: Application): VmDemand[] => app.design.vms.map((v) => ({ vmKey: idKey(v.id), cpus: v.numCpus, memoryMb: sizeInMb(v.memorySize) }));

/**
 * The key a publish (or publish of updates) places under. A retried turn sees the same outbox
 * sequence, hence the same key, and the region answers it the placement its first try holds (a
 * crash gives nothing back). The region keeps that memo in its own state; a turn refused after
 * placing gives the room back and has the region forget the key first (givePlacedRoomBack), so
 * a retry on any node places anew instead of being answered room the hosts offer to others.
 */
const placeKey = (s: Live): string => `place:${s.app.id}:${s.outbox.lastLocalSeq}`;

/**
 * Gives back the room a placement in `region` took for `vms` when the turn is refused after it.
 * The key is forgotten before the room goes back: a release failing halfway then leaves room
 * held for nobody (a leak) rather than a memo answering room that is gone (two owners).
 */
export async function givePlacedRoomBack(ctx: Ctx, s: Live, region: string, vms: readonly VmDeployment[]): Promise<void> {
  await ctx.actors.ask<null, RegionMsg>(regionRef(region), { type: 'forgetPlacement', key: placeKey(s) });
  await releaseHostRoom(ctx, s.app.id, vms);
}

/** Tries the regions in order (cheapest first when none is named) until one places every VM. */
export async function place(ctx: Ctx, s: Live, deps: ApplicationDeploymentDeps, optimization: Optimization, preferred: string | undefined, vms: VmDemand[] = demandsOf(s.app)): Promise<Placement> {
  if (preferred !== undefined && !deps.regions.some((r) => r.name === preferred)) {
    throw new RavelError('INVALID_ARGUMENT', `unknown region ${preferred}`, { details: { field: 'preferredRegion' } });
  }
  const candidates = preferred !== undefined ? [preferred] : deps.regions.slice().sort((a, b) => hourlyCost(vms, a) - hourlyCost(vms, b)).map((r) => r.name);
  const key = placeKey(s);
  for (const region of candidates) {
    try {
      return await ctx.actors.ask<Placement, RegionMsg>(regionRef(region), { type: 'place', applicationId: s.app.id, vms, optimization, key });
    } catch (e) {
      // The next region only after this one's own "no room": an ask lost in transit may have
      // placed the VMs here, and a retry under the same key is answered that room.
      if (!isNoRoom(e)) throw e;
    }
  }
  throw new RavelError('UNAVAILABLE', 'no region has room for these VMs', { details: { regions: candidates } });
}

export async function publish(ctx: Ctx, m: Msg<'publish'>, deps: ApplicationDeploymentDeps): Promise<Application> {
  const s = visible(ctx, m.principal, 'EXECUTE');
  if (s.app.deployment !== undefined) throw new RavelError('ILLEGAL_STATE', `application ${s.app.id} is already published`);
  if (s.app.design.vms.length === 0) throw new RavelError('INVALID_ARGUMENT', 'an application without VMs cannot be published', { details: { field: '/design/vms' } });
  planDeploymentNetwork(s.app.design); // a collision refuses here, before disks or room are taken (publishApplication applies the plan)
  const startAll = m.request.startAllVms ?? true;
  const optimization: Optimization = m.request.preferredRegion !== undefined ? 'PERFORMANCE_OPTIMIZED' : (m.request.optimizationLevel ?? 'COST_OPTIMIZED');
  const disks = await provisionDisks(ctx, s);
  const now = ctx.clock.now();
  const { state: published, region } = await withClaim(ctx, s, startAll ? s.app.design.vms : [], async () => {
    const p = await place(ctx, s, deps, optimization, m.request.preferredRegion);
    const hosts: HostAssignments = Object.fromEntries(p.assignments.map((a) => [a.vmKey, a.hostId]));
    const placed = publishApplication(s.app, { region: p.region, optimizationLevel: optimization, hosts }, now);
    const placedDep = placed.deployment;
    if (placedDep === undefined) throw new RavelError('INTERNAL', 'a published application without a deployment');
    const vms = await exposeDeployedVms(ctx, s, placedDep.vms, p.region, deps.baseDomain ?? DEFAULT_BASE_DOMAIN).catch(async (e: unknown) => {
      await givePlacedRoomBack(ctx, s, p.region, placedDep.vms); // refused: the room placement took goes back
      throw e;
    });
    const state: Live = { ...s, app: { ...placed, deployment: { ...placedDep, vms } }, ...(disks === null ? {} : { disks }) };
    return { state, region: p.region };
  });
  const changes: VmChange[] = (published.app.deployment?.vms ?? []).map((v) => ({ id: v.id, to: 'PUBLISHING', commands: ['provision'], startAfter: startAll }));
  const next = applyVmTransitions(published, changes, now, ctx.reminders);
  commit(ctx, next, m.principal, ['APPLICATION_PUBLISHED'], { region, optimizationLevel: optimization, startAllVms: startAll });
  return next.app;
}

/**
 * Each disk's own image in the store, from the library (which keeps the organization's store):
 * cloned in constant time from its base disk image, found again when asked again. Asked before
 * placing, so a refusal (a base the library does not hold) changes nothing here. Null when the
 * node has no image store: hosts are then told the library names.
 */
export async function provisionDisks(ctx: Ctx, s: Live): Promise<Readonly<Record<string, StoreRef>> | null> {
  const msg: Extract<LibraryMsg, { type: 'provisionApplicationDisks' }> = {
    type: 'provisionApplicationDisks',
    principal: { kind: 'system' },
    applicationId: s.app.id,
    drives: s.app.design.vms.flatMap((v) => v.hardDrives),
  };
  return ctx.actors.ask<Record<string, StoreRef> | null, typeof msg>(libraryRef(s.organizationId), msg);
}

function published(s: Live): NonNullable<Application['deployment']> {
  if (s.app.deployment === undefined) throw new RavelError('ILLEGAL_STATE', `application ${s.app.id} is not published`);
  return s.app.deployment;
}

const asChanges = (planned: readonly PlannedVmChange[]): VmChange[] => planned.map((c) => ({ id: c.id, to: c.to, commands: c.commands }));

/** The VMs a plan takes from not running to running: what a quota check adds. */
function startingVms(s: Live, planned: readonly PlannedVmChange[]): VmDeployment[] {
  const keys = new Set(planned.filter((c) => !isVmRunning(c.from) && isVmRunning(c.to)).map((c) => idKey(c.id)));
  return published(s).vms.filter((v) => keys.has(idKey(v.id)));
}

/** The plan, or none when nothing else takes the action but `others` changes do happen. */
function planOrNone(vms: readonly VmDeployment[], action: 'start' | 'stop' | 'restart', others: number): PlannedVmChange[] {
  try {
    return planVmAction(vms, action);
  } catch (e) {
    if (others > 0 && isRavelError(e, 'ILLEGAL_STATE')) return [];
    throw e;
  }
}

/**
 * Whole-application start, stop, restart: VMs whose state does not allow it are left alone. A
 * stop also gives up on VMs left in ERROR by a lost host with no room to repair them: STOPPED,
 * to be placed anew when started.
 */
export async function applicationAction(ctx: Ctx, m: Msg<'start'> | Msg<'stop'> | Msg<'restart'>): Promise<Application> {
  const s = visible(ctx, m.principal, 'EXECUTE');
  const abandoned = m.type === 'stop' ? abandonHostless(published(s).vms) : [];
  const planned = planOrNone(published(s).vms, m.type, abandoned.length);
  // Refused after placing hostless VMs anew, the turn gives their room back (givingMovesBack).
  return givingMovesBack(ctx, s, async (placedAnew) => {
    const { state, changes } = await withClaim(ctx, s, m.type === 'start' ? startingVms(s, planned) : [], async () => {
      const placed = await placeHostless(ctx, s, asChanges(planned), placedAnew);
      return { ...placed, changes: [...placed.changes, ...abandoned] };
    });
    const next = applyVmTransitions(state, changes, ctx.clock.now(), ctx.reminders);
    const event = match(m.type)
      .with('start', () => 'APPLICATION_STARTED' as const)
      .with('stop', () => 'APPLICATION_STOPPED' as const)
      .with('restart', () => 'APPLICATION_RESTARTED' as const)
      .exhaustive();
    commit(ctx, next, m.principal, [event], { vms: [...planned, ...abandoned].map((c) => idKey(c.id)) });
    return next.app;
  });
}

/** `setExpiration`: the stop time as `nextStopTime`, kept by a durable reminder; -1 clears both. */
export function setExpiration(ctx: Ctx, m: Msg<'setExpiration'>): Application {
  const s = visible(ctx, m.principal, 'EXECUTE');
  const app = setApplicationExpiration(s.app, m.request.expirationFromNowSeconds, ctx.clock.now());
  if (app.nextStopTime === undefined) ctx.reminders.cancel(EXPIRATION_REMINDER);
  else ctx.reminders.set(EXPIRATION_REMINDER, app.nextStopTime);
  commit(ctx, { ...s, app }, m.principal, ['APPLICATION_EXPIRATION_SET'], app.nextStopTime === undefined ? {} : { nextStopTime: app.nextStopTime });
  return app;
}
