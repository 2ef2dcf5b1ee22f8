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
  /**
   * Keyed addresses: the key each was taken with, to the address (as a number). A keyed take
   * answers the address its key holds; a release forgets the key with the address, so a take
   * with the same key after it gets a fresh one (never one handed to someone else since). Kept
   * in the state the take and release write, so it holds across crashes.
   */
  readonly keys?: Readonly<Record<string, number>>;
  /** Addresses taken before keys existed (see `withKeys`): any release frees them, as it did then. */
  readonly unkeyedBefore?: readonly number[];
}

/** A region's pool from its public CIDR; network and broadcast addresses are never handed out. */
export function regionAddresses(region: string, cidr: string): RegionAddresses {
  const [lo, hi] = subnetBounds(parseCidr(cidr));
  if (hi - lo < 2) throw new RavelError('CONFIG_INVALID', `region ${region}: public range ${cidr} is too small`);
  return { region, pool: newPool(lo + 1, hi - 1), keys: {} };
}

/** A state stored before keys, ready for them: the addresses it had taken may be anyone's. */
export function withKeys(r: RegionAddresses): RegionAddresses {
  return r.keys !== undefined ? r : { ...r, keys: {}, unkeyedBefore: r.pool.used };
}

/** The key holding address `v`, if any (a walk: only releases by someone else need it). */
function keyOf(r: RegionAddresses, v: number): string | undefined {
  for (const [k, x] of Object.entries(r.keys ?? {})) if (x === v) return k;
  return undefined;
}

/**
 * Takes the next free public address; QUOTA_EXCEEDED when the region has none left. With a
 * `key`, the address that key holds when it holds one (a retried take), else a new one it holds.
 */
export function takeAddress(r: RegionAddresses, key?: string): { addresses: RegionAddresses; ip: string } {
  const held = key === undefined ? undefined : r.keys?.[key];
  if (held !== undefined) return { addresses: r, ip: intToIp(held) };
  const last = r.pool.used[r.pool.used.length - 1];
  const t = takeNext(r.pool, last === undefined ? r.pool.lo : last + 1);
  const keys = key === undefined ? r.keys : { ...r.keys, [key]: t.value };
  return { addresses: { ...r, pool: t.pool, ...(keys === undefined ? {} : { keys }) }, ip: intToIp(t.value) };
}

/**
 * Gives `ip` back, forgetting its key. A keyed address is freed only by its key's release, an
 * unkeyed one (an elastic IP allocated before elastic IPs had keys) only by an unkeyed release: a keyed release repeated after the
 * address went to someone else changes nothing, as does an unkeyed one after it went to a keyed
 * taker (between two unkeyed takers it cannot tell). Releasing a free address is a no-op.
 */
export function releaseAddress(r: RegionAddresses, ip: string, key?: string): RegionAddresses {
  const v = ipToInt(ip);
  const holder = key !== undefined && r.keys?.[key] === v ? key : keyOf(r, v);
  const before = r.unkeyedBefore?.includes(v) === true;
  if (holder !== key && !(holder === undefined && before)) return r;
  const pool = release(r.pool, v);
  const { [holder ?? '']: _gone, ...keys } = r.keys ?? {};
  const unkeyedBefore = before ? r.unkeyedBefore?.filter((x) => x !== v) : r.unkeyedBefore;
  return { ...r, pool, ...(r.keys === undefined ? {} : { keys }), ...(unkeyedBefore === undefined ? {} : { unkeyedBefore }) };
}
