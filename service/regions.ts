/**
 * The regions this service offers, from the configuration: each one's public address range
 * (elastic IPs and published services draw from it) and its placement view (prices, host size,
 * how many hosts it may rent).
 */
import type { RavelConfig } from '../config/schema.ts';
import type { RegionCidrs } from '../actors/kinds/organization/region-ips-kind.ts';
import type { RegionInfo } from '../cloud/cloud-provider.ts';
import type { Region } from '../domain/placement/placement-types.ts';

/** Region name to public CIDR; a region configured without one hands out no public addresses. */
export function regionCidrs(config: Pick<RavelConfig, 'regions'>): RegionCidrs {
  return Object.fromEntries(config.regions.flatMap((r) => (r.publicCidr === undefined ? [] : [[r.name, r.publicCidr]])));
}

/** The placement view of a configured region. */
export function placementRegion(r: RegionInfo): Region {
  return { name: r.name, pricePerCpuHour: r.pricePerCpuHour, pricePerGbHour: r.pricePerGbHour, hostCapacity: r.hostSize, maxHosts: r.maxHosts };
}
