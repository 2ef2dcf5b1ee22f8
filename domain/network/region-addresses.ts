/**
 * Each region's public addresses (a CIDR from the configuration), shared by elastic IPs and the
 * addresses published services get, so the two never collide. Held by one owner per region.
 */
import { RavelError } from '../../core/errors.ts';
import { intToIp, ipToInt, parseCidr, subnetBounds } from './ipv4.ts';
import { newPool, release, takeNext, type RangePool } from './range-allocator.ts';

export interface RegionAddresses {
  readonly region: string;
  readonly pool: RangePool;
}

/** A region's pool from its public CIDR; network and broadcast addresses are never handed out. */
export function regionAddresses(region: string, cidr: string): RegionAddresses {
  const [lo, hi] = subnetBounds(parseCidr(cidr));
  if (hi - lo < 2) throw new RavelError('CONFIG_INVALID', `region ${region}: public range ${cidr} is too small`);
  return { region, pool: newPool(lo + 1, hi - 1) };
}

/** Takes the next free public address; QUOTA_EXCEEDED when the region has none left. */
export function takeAddress(r: RegionAddresses): { addresses: RegionAddresses; ip: string } {
  const last = r.pool.used[r.pool.used.length - 1];
  const t = takeNext(r.pool, last === undefined ? r.pool.lo : last + 1);
  return { addresses: { ...r, pool: t.pool }, ip: intToIp(t.value) };
}

export function releaseAddress(r: RegionAddresses, ip: string): RegionAddresses {
  return { ...r, pool: release(r.pool, ipToInt(ip)) };
}
