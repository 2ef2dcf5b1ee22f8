/**
 * `region`: one actor per region, id = the region's name. It holds the inventory of the region's
 * HVX hosts and makes every placement decision there, one at a time (its turns are serial): it
 * reads each host's free room from its `hvx-host` actor, places with domain/placement, and
 * reserves the room on the chosen hosts before answering. The views it read are kept on this
 * node as a hint: a host refuses a reservation it has no room for (then the region reads every
 * host again), and before renting the region reads every host again, so a stale hint never
 * places beyond a host's room nor rents a host that was not needed. A keyed placement is
 * remembered in the region's state until its asker forgets it (region-placements.ts).
 *
 * With a cloud provider, a placement that needs more hosts rents them (region-renting.ts) within
 * the region's configured limit, and hosts given up by their actor (idle too long, or dead) are
 * released to the cloud. Without one, the region is as large as what operators added.
 */
import { match } from 'ts-pattern';
import { Type, type Static } from '@sinclair/typebox';
import { RavelError, isRavelError } from '../../../core/errors.ts';
import { placeInRegion } from '../../../domain/placement/placement.ts';
import type { HostView, Placement, Region } from '../../../domain/placement/placement-types.ts';
import { parseInput, ServerId } from '../../../domain/schemas/index.ts';
import type { CloudProvider } from '../../../cloud/cloud-provider.ts';
import { defineActorKind } from '../../actor-kind.ts';
import { hvxHostRef, type HvxHostMsg } from '../hvx-host/hvx-host-kind.ts';
import { forgetPlacement, rememberedPlacement, rememberPlacement } from './region-placements.ts';
import { noRoom } from './region-no-room.ts';
import { adoptRentedHosts, rentHosts, type RegionCtx as Ctx, type RegionState } from './region-renting.ts';

export type { RegionState };

const HostId = Type.String({ minLength: 1, maxLength: 48, pattern: '^[A-Za-z0-9_-]+$' });
const PlacementKey = Type.String({ minLength: 1, maxLength: 200 });
const Demand = Type.Object({ vmKey: Type.String({ minLength: 1, maxLength: 32 }), cpus: Type.Integer({ minimum: 0 }), memoryMb: Type.Integer({ minimum: 0 }) });

export const RegionMsgSchema = Type.Union([
  Type.Object({ type: Type.Literal('addHost'), hostId: HostId, capacity: Type.Optional(Type.Object({ cpus: Type.Integer({ minimum: 1 }), memoryMb: Type.Integer({ minimum: 1 }) })) }),
  Type.Object({ type: Type.Literal('listHosts') }),
  Type.Object({
    type: Type.Literal('place'),
    applicationId: ServerId,
    vms: Type.Array(Demand, { minItems: 1, maxItems: 1024 }),
    optimization: Type.Union([Type.Literal('COST_OPTIMIZED'), Type.Literal('PERFORMANCE_OPTIMIZED')]),
    /** Hosts to leave out: a dead one, when repairing its VMs. */
    excludeHosts: Type.Optional(Type.Array(HostId, { maxItems: 64 })),
    /** A key answered before gets its first placement again, until forgotten (region-placements.ts). */
    key: Type.Optional(PlacementKey),
  }),
  /** The placement `key` was answered is given back by its asker: the key places anew. */
  Type.Object({ type: Type.Literal('forgetPlacement'), key: PlacementKey }),
  /**
   * From an asker that lost the answer to its keyed `place` (the ask timed out): whatever room the
   * key holds is given back, and the key withdrawn, so a `place` with it arriving late is refused.
   */
  Type.Object({ type: Type.Literal('withdrawPlacement'), key: PlacementKey, applicationId: ServerId }),
  /** From a host's actor: it was released (idle) or declared dead; give it back to the cloud. */
  Type.Object({ type: Type.Literal('hostGone'), hostId: HostId }),
]);
export type RegionMsg = Static<typeof RegionMsgSchema>;

export interface RegionDeps {
  /** Rents hosts when placement needs more, and takes back released ones; absent: no renting. */
  readonly cloud?: CloudProvider;
}

export function regionRef(name: string): { kind: 'region'; id: string } {
  return { kind: 'region', id: name };
}

function regionOf(regions: readonly Region[], name: string): Region {
  const r = regions.find((x) => x.name === name);
  if (r === undefined) throw new RavelError('NOT_FOUND', `no region ${name}`, { details: { region: name } });
  return r;
}

/** Each host's last known view, by host id; one per region actor activated on this node. */
type ViewHints = Map<string, HostView>;

/** Reads the hosts (all of them when `fresh`, else only those without a hint), remembering what they answered. */
async function views(ctx: Ctx, hints: ViewHints, fresh: boolean): Promise<HostView[]> {
  const ask = ctx.state.hosts.filter((h) => fresh || !hints.has(h));
  const read = await Promise.all(ask.map((h) => ctx.actors.ask<HostView | null>(hvxHostRef(h), { type: 'view' })));
  ask.forEach((h, i) => {
    const v = read[i];
    if (v === null || v === undefined) hints.delete(h);
    else hints.set(h, v);
  });
  return ctx.state.hosts.flatMap((h) => {
    const v = hints.get(h);
    return v === undefined ? [] : [v];
  });
}

/** A reservation refused because the host changed since it was read (released meanwhile, or full). */
const raced = (e: unknown): boolean => isRavelError(e, 'ILLEGAL_STATE') || isRavelError(e, 'CONFLICT');

/**
 * Places the VMs, renting the new hosts placement asks for, and reserves their room; on a refused
 * reservation gives back what it took and, when a host changed meanwhile, places again.
 */
async function place(ctx: Ctx, hints: ViewHints, region: Region, m: Extract<RegionMsg, { type: 'place' }>, cloud: CloudProvider | undefined): Promise<Placement> {
  if (cloud !== undefined) await adoptRentedHosts(ctx, region, cloud);
  let fresh = false;
  for (let attempt = 1; ; attempt++) {
    const hosts = await views(ctx, hints, fresh);
    // Without a cloud the region is as large as what it has.
    const limit = cloud === undefined ? ctx.state.hosts.length : (region.maxHosts ?? Number.MAX_SAFE_INTEGER);
    const req = { vms: m.vms, optimization: m.optimization, region: region.name, ...(m.excludeHosts === undefined ? {} : { excludeHosts: m.excludeHosts }) };
    const planned = placeInRegion(req, { ...region, maxHosts: limit }, hosts);
    // No room or a host to rent by the hints: read every host before deciding.
    if (!fresh && (planned === undefined || planned.newHosts.length > 0)) {
      fresh = true;
      continue;
    }
    if (planned === undefined) {
      throw noRoom(`region ${region.name} has no room for these VMs`, { region: region.name, vms: m.vms.length });
    }
    const p = cloud === undefined || planned.newHosts.length === 0 ? planned : await rentHosts(ctx, region, cloud, planned);
    try {
      await reserve(ctx, hints, m, p);
      return p;
    } catch (e) {
      if (!raced(e) || attempt >= 4) throw e;
      fresh = true;
      ctx.log.debug({ err: e, region: region.name }, 'a host changed during placement; placing again');
    }
  }
}

/** A keyed place answers the key's placement when it has one, else places and remembers it with the room it reserved. */
async function placeKeyed(ctx: Ctx, hints: ViewHints, region: Region, m: Extract<RegionMsg, { type: 'place' }>, cloud: CloudProvider | undefined): Promise<Placement> {
  const now = ctx.clock.now();
  const earlier = m.key === undefined ? undefined : rememberedPlacement(ctx.state.placements, m.key, now);
  if (earlier === null) throw new RavelError('CONFLICT', `placement ${m.key ?? ''} was withdrawn by its asker`, { details: { key: m.key } });
  if (earlier !== undefined) return earlier;
  const p = await place(ctx, hints, region, m, cloud);
  if (m.key !== undefined) ctx.setState({ ...ctx.state, placements: rememberPlacement(ctx.state.placements, m.key, p, now) });
  return p;
}

/**
 * Gives back the room `key`'s placement holds, then withdraws the key (withdrawing twice changes
 * nothing more). A host that does not answer refuses the withdrawal, the memo kept for another.
 */
async function withdrawPlacement(ctx: Ctx, hints: ViewHints, m: Extract<RegionMsg, { type: 'withdrawPlacement' }>): Promise<null> {
  const now = ctx.clock.now();
  const held = rememberedPlacement(ctx.state.placements, m.key, now);
  if (held === null) return null;
  const byHost = new Map<string, string[]>();
  for (const a of held?.assignments ?? []) byHost.set(a.hostId, [...(byHost.get(a.hostId) ?? []), a.vmKey]);
  await Promise.all(
    [...byHost].map(async ([hostId, vmKeys]) => {
      hints.delete(hostId);
      hints.set(hostId, await ctx.actors.ask<HostView, HvxHostMsg>(hvxHostRef(hostId), { type: 'releaseMany', applicationId: m.applicationId, vmKeys }));
    }),
  );
  ctx.setState({ ...ctx.state, placements: rememberPlacement(ctx.state.placements, m.key, null, now) });
  return null;
}

/**
 * Reserves the placement's room: one `reserveMany` per host, the hosts asked at once, so a
 * placement costs the region's turn one host write, not one per VM in a row. When any host
 * refuses, what the others took is given back (releasing what a host never took changes nothing).
 */
async function reserve(ctx: Ctx, hints: ViewHints, m: Extract<RegionMsg, { type: 'place' }>, p: Placement): Promise<void> {
  const demand = new Map(m.vms.map((v) => [v.vmKey, v]));
  const byHost = new Map<string, { vmKey: string; cpus: number; memoryMb: number }[]>();
  for (const a of p.assignments) {
    const d = demand.get(a.vmKey);
    if (d === undefined) throw new RavelError('INTERNAL', `placement answered unknown VM ${a.vmKey}`);
    byHost.set(a.hostId, [...(byHost.get(a.hostId) ?? []), { vmKey: d.vmKey, cpus: d.cpus, memoryMb: d.memoryMb }]);
  }
  const hosts = [...byHost];
  const asked = await Promise.allSettled(hosts.map(([hostId, vms]) => ctx.actors.ask<HostView, HvxHostMsg>(hvxHostRef(hostId), { type: 'reserveMany', applicationId: m.applicationId, vms })));
  asked.forEach((r, i) => {
    const hostId = hosts[i]?.[0];
    if (hostId !== undefined && r.status === 'fulfilled') hints.set(hostId, r.value);
  });
  const failed = asked.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed === undefined) return;
  // Every host not known to have refused may hold room for these VMs (an ask that timed out may have landed).
  const undo = hosts.filter((_, i) => {
    const r = asked[i];
    return r !== undefined && !(r.status === 'rejected' && raced(r.reason));
  });
  const released = await Promise.allSettled(undo.map(([hostId, vms]) => ctx.actors.ask<HostView, HvxHostMsg>(hvxHostRef(hostId), { type: 'releaseMany', applicationId: m.applicationId, vmKeys: vms.map((v) => v.vmKey) })));
  released.forEach((r, i) => {
    const hostId = undo[i]?.[0];
    if (hostId === undefined) return;
    if (r.status === 'fulfilled') hints.set(hostId, r.value);
    else {
      hints.delete(hostId);
      ctx.log.warn({ err: r.reason, host: hostId, application: m.applicationId }, 'room of an undone placement not given back');
    }
  });
  throw failed.reason;
}

/** A host its actor gave up: out of the inventory and back to the cloud. Without a cloud it stays listed (operators see it). */
async function hostGone(ctx: Ctx, hints: ViewHints, hostId: string, cloud: CloudProvider | undefined): Promise<null> {
  hints.delete(hostId);
  if (cloud === undefined) return null;
  await cloud.release(hostId);
  if (ctx.state.hosts.includes(hostId)) ctx.setState({ ...ctx.state, hosts: ctx.state.hosts.filter((h) => h !== hostId) });
  ctx.log.info({ region: ctx.self.id, host: hostId }, 'host released to the cloud');
  return null;
}

export function regionKind(regions: readonly Region[], deps: RegionDeps = {}) {
  const hintsByRegion = new Map<string, ViewHints>();
  const hintsOf = (region: string): ViewHints => {
    let h = hintsByRegion.get(region);
    if (h === undefined) {
      h = new Map<string, HostView>();
      hintsByRegion.set(region, h);
    }
    return h;
  };
  return defineActorKind<RegionState, RegionMsg, unknown>({
    name: 'region',
    schemaVersion: 1,
    initialState: () => ({ hosts: [], rented: 0 }),
    decodeMessage: (raw) => parseInput(RegionMsgSchema, raw),
    decodeState: (stored) => {
      const s = stored as { hosts?: unknown; rented?: unknown; placements?: unknown } | null;
      if (!Array.isArray(s?.hosts)) throw new RavelError('CORRUPT', 'bad region state');
      if (s.placements !== undefined && (typeof s.placements !== 'object' || s.placements === null)) throw new RavelError('CORRUPT', 'bad region placements');
      // State written before renting existed has no counter, before keyed placements no memo.
      const rented = typeof s.rented === 'number' ? s.rented : 0;
      return { hosts: s.hosts as string[], rented, ...(s.placements === undefined ? {} : { placements: s.placements as RegionState['placements'] & object }) };
    },
    async handle(ctx, msg) {
      const region = regionOf(regions, ctx.self.id);
      const hints = hintsOf(region.name);
      return match(msg)
        .with({ type: 'addHost' }, async (m) => {
          const capacity = m.capacity ?? region.hostCapacity;
          const h = await ctx.actors.ask(hvxHostRef(m.hostId), { type: 'register', region: region.name, capacity });
          hints.delete(m.hostId);
          if (!ctx.state.hosts.includes(m.hostId)) ctx.setState({ ...ctx.state, hosts: [...ctx.state.hosts, m.hostId] });
          return h;
        })
        .with({ type: 'listHosts' }, async () => views(ctx, hints, true))
        .with({ type: 'place' }, async (m) => placeKeyed(ctx, hints, region, m, deps.cloud))
        .with({ type: 'forgetPlacement' }, ({ key }) => {
          const placements = forgetPlacement(ctx.state.placements, key);
          if (placements !== undefined && placements !== ctx.state.placements) ctx.setState({ ...ctx.state, placements });
          return null;
        })
        .with({ type: 'withdrawPlacement' }, async (m) => withdrawPlacement(ctx, hints, m))
        .with({ type: 'hostGone' }, async (m) => hostGone(ctx, hints, m.hostId, deps.cloud))
        .exhaustive();
    },
  });
}
