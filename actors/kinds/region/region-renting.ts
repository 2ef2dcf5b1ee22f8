/**
 * How a region actor rents the hosts a placement asks for. Each rented host is named from the
 * region's durable counter (`<region>-h<n>`) and that name is the rent's request id, so a turn
 * retried after a crash asks the cloud for the same host again and never pays for two. A host
 * the cloud rented but the region never recorded (a turn that failed after renting) is adopted
 * at the next placement, and released in time like any idle host.
 */
import { createHash } from 'node:crypto';
import { isRavelError } from '../../../core/errors.ts';
import type { CloudProvider, RentedHost } from '../../../cloud/cloud-provider.ts';
import type { Placement, Region } from '../../../domain/placement/placement-types.ts';
import type { ActorContext } from '../../actor-kind.ts';
import { hvxHostRef } from '../hvx-host/hvx-host-kind.ts';
import type { PlacementMemos } from './region-placements.ts';
import { noRoom } from './region-no-room.ts';

export interface RegionState {
  readonly hosts: readonly string[];
  /** How many hosts this region has asked the cloud for: the next one is named from it. */
  readonly rented: number;
  /** Keyed placements this region answered, oldest first (region-placements.ts). */
  readonly placements?: PlacementMemos;
}

export type RegionCtx = ActorContext<RegionState>;

/** Host ids are at most 48 characters: a long region name is shortened with a hash of it. */
function hostPrefix(region: string): string {
  return region.length <= 36 ? region : `${region.slice(0, 27)}-${createHash('sha256').update(region).digest('hex').slice(0, 8)}`;
}

export function rentedHostName(region: string, n: number): string {
  return `${hostPrefix(region)}-h${n}`;
}

function counterOf(region: string, hostId: string): number {
  const prefix = `${hostPrefix(region)}-h`;
  const n = hostId.startsWith(prefix) ? Number(hostId.slice(prefix.length)) : NaN;
  return Number.isSafeInteger(n) ? n : 0;
}

async function register(ctx: RegionCtx, region: Region, h: RentedHost): Promise<void> {
  await ctx.actors.ask(hvxHostRef(h.id), { type: 'register', region: region.name, capacity: h.size });
}

/** Hosts the cloud has rented in this region that the inventory lacks join it. */
export async function adoptRentedHosts(ctx: RegionCtx, region: Region, cloud: CloudProvider): Promise<void> {
  const known = new Set(ctx.state.hosts);
  const orphans = cloud.list(region.name).filter((h) => !known.has(h.id));
  if (orphans.length === 0) return;
  for (const h of orphans) await register(ctx, region, h);
  const rented = Math.max(ctx.state.rented, ...orphans.map((h) => counterOf(region.name, h.id)));
  ctx.setState({ hosts: [...ctx.state.hosts, ...orphans.map((h) => h.id)], rented });
  ctx.log.info({ region: region.name, hosts: orphans.map((h) => h.id) }, 'adopted hosts rented by an earlier turn');
}

/**
 * Rents the placement's new hosts, registers them, and answers the placement with their ids.
 * When the cloud refuses one (the region's limit), the region has no room: UNAVAILABLE.
 */
export async function rentHosts(ctx: RegionCtx, region: Region, cloud: CloudProvider, planned: Placement): Promise<Placement> {
  const base = ctx.state.rented;
  const names = planned.newHosts.map((_, i) => rentedHostName(region.name, base + i + 1));
  const rents = await Promise.allSettled(names.map((name) => cloud.rent({ region: region.name, requestId: name, name })));
  const failed = rents.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    const e: unknown = failed.reason;
    // Hosts that were rented are adopted by the next placement.
    if (isRavelError(e, 'QUOTA_EXCEEDED')) throw noRoom(`region ${region.name} may rent no more hosts`, { region: region.name }, e);
    throw e;
  }
  const hosts = rents.map((r) => (r as PromiseFulfilledResult<RentedHost>).value);
  for (const h of hosts) await register(ctx, region, h);
  ctx.setState({ hosts: [...ctx.state.hosts, ...hosts.map((h) => h.id).filter((id) => !ctx.state.hosts.includes(id))], rented: base + names.length });
  ctx.log.info({ region: region.name, hosts: hosts.map((h) => h.id) }, 'rented hosts for a placement');
  const idOf = new Map(planned.newHosts.map((placeholder, i) => [placeholder, hosts[i]?.id ?? placeholder]));
  return { ...planned, newHosts: [], assignments: planned.assignments.map((a) => ({ ...a, hostId: idOf.get(a.hostId) ?? a.hostId })) };
}
