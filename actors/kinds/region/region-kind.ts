/**
 * `region`: one actor per region, id = the region's name. It holds the inventory of the region's
 * HVX hosts and makes every placement decision there, one at a time (its turns are serial): it
 * reads each host's free room from its `hvx-host` actor, places with domain/placement, and
 * reserves the room on the chosen hosts before answering. Hosts are added by operators (or a
 * cloud provider); no host is rented here yet, so a placement that needs one is UNAVAILABLE.
 */
import { match } from 'ts-pattern';
import { Type, type Static } from '@sinclair/typebox';
import { RavelError } from '../../../core/errors.ts';
import { placeInRegion } from '../../../domain/placement/placement.ts';
import type { HostView, Placement, Region } from '../../../domain/placement/placement-types.ts';
import { parseInput, ServerId } from '../../../domain/schemas/index.ts';
import { defineActorKind, type ActorContext } from '../../actor-kind.ts';
import { hvxHostRef } from '../hvx-host/hvx-host-kind.ts';

const HostId = Type.String({ minLength: 1, maxLength: 48, pattern: '^[A-Za-z0-9_-]+$' });
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
  }),
]);
export type RegionMsg = Static<typeof RegionMsgSchema>;

export interface RegionState {
  readonly hosts: readonly string[];
}

export function regionRef(name: string): { kind: 'region'; id: string } {
  return { kind: 'region', id: name };
}

type Ctx = ActorContext<RegionState>;

function regionOf(regions: readonly Region[], name: string): Region {
  const r = regions.find((x) => x.name === name);
  if (r === undefined) throw new RavelError('NOT_FOUND', `no region ${name}`, { details: { region: name } });
  return r;
}

async function views(ctx: Ctx): Promise<HostView[]> {
  const all = await Promise.all(ctx.state.hosts.map((h) => ctx.actors.ask<HostView | null>(hvxHostRef(h), { type: 'view' })));
  return all.filter((v): v is HostView => v !== null);
}

/** Places the VMs on existing hosts and reserves their room; on a refused reservation, gives back what it took. */
async function place(ctx: Ctx, region: Region, m: Extract<RegionMsg, { type: 'place' }>): Promise<Placement> {
  const hosts = await views(ctx);
  // No cloud provider rents hosts yet: the region is as large as what it has.
  const p = placeInRegion({ vms: m.vms, optimization: m.optimization, region: region.name, ...(m.excludeHosts === undefined ? {} : { excludeHosts: m.excludeHosts }) }, { ...region, maxHosts: ctx.state.hosts.length }, hosts);
  if (p === undefined || p.newHosts.length > 0) {
    throw new RavelError('UNAVAILABLE', `region ${region.name} has no room for these VMs`, { details: { region: region.name, vms: m.vms.length } });
  }
  const demand = new Map(m.vms.map((v) => [v.vmKey, v]));
  const done: { vmKey: string; hostId: string }[] = [];
  try {
    for (const a of p.assignments) {
      const d = demand.get(a.vmKey);
      if (d === undefined) throw new RavelError('INTERNAL', `placement answered unknown VM ${a.vmKey}`);
      await ctx.actors.ask(hvxHostRef(a.hostId), { type: 'reserve', applicationId: m.applicationId, vmKey: a.vmKey, cpus: d.cpus, memoryMb: d.memoryMb });
      done.push(a);
    }
  } catch (e) {
    for (const a of done) await ctx.actors.ask(hvxHostRef(a.hostId), { type: 'release', applicationId: m.applicationId, vmKey: a.vmKey });
    throw e;
  }
  return p;
}

export function regionKind(regions: readonly Region[]) {
  return defineActorKind<RegionState, RegionMsg, unknown>({
    name: 'region',
    schemaVersion: 1,
    initialState: () => ({ hosts: [] }),
    decodeMessage: (raw) => parseInput(RegionMsgSchema, raw),
    decodeState: (stored) => {
      const s = stored as { hosts?: unknown } | null;
      if (!Array.isArray(s?.hosts)) throw new RavelError('CORRUPT', 'bad region state');
      return s as RegionState;
    },
    async handle(ctx, msg) {
      const region = regionOf(regions, ctx.self.id);
      return match(msg)
        .with({ type: 'addHost' }, async (m) => {
          const capacity = m.capacity ?? region.hostCapacity;
          const h = await ctx.actors.ask(hvxHostRef(m.hostId), { type: 'register', region: region.name, capacity });
          if (!ctx.state.hosts.includes(m.hostId)) ctx.setState({ hosts: [...ctx.state.hosts, m.hostId] });
          return h;
        })
        .with({ type: 'listHosts' }, async () => views(ctx))
        .with({ type: 'place' }, async (m) => place(ctx, region, m))
        .exhaustive();
    },
  });
}
