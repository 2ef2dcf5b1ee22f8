/**
 * An organization's elastic IPs: allocated in a region, attached to one NIC at a time,
 * detached, released back to the region. All of them are detached from an application that is
 * deleted. Another organization's address answers NOT_FOUND, like one never allocated. Each is
 * held in its region under a key of its own (`elasticIpKey`), kept here and sent with its release.
 */
import { RavelError } from '../../core/errors.ts';
import { idKey, type LocalId } from '../schemas/common.ts';
import type { ElasticIp } from '../schemas/organization.ts';
import { releaseAddress, takeAddress, type RegionAddresses } from './region-addresses.ts';

export interface ElasticIpState {
  readonly ips: readonly ElasticIp[];
  /**
   * Allocations made so far, per region: the next one in a region takes its address under the
   * key numbered by it (`elasticIpKey`). A turn that took an address and crashed before its
   * write left the count as it was, so the next allocation there gets that address back instead
   * of leaking it. Absent in states from before: none.
   */
  readonly allocations?: Readonly<Record<string, number>>;
  /** The region holder key of each address taken with one (by address); addresses from before have none. */
  readonly keys?: Readonly<Record<string, string>>;
}

export interface NicRef {
  readonly applicationId: number;
  readonly vmId: LocalId;
  readonly nicId: LocalId;
}

export const emptyElasticIps: ElasticIpState = { ips: [] };

function find(state: ElasticIpState, ip: string): ElasticIp {
  const e = state.ips.find((x) => x.ip === ip);
  if (e === undefined) throw new RavelError('NOT_FOUND', `no elastic IP ${ip}`, { details: { ip } });
  return e;
}

/**
 * The key an organization's `n`th elastic IP in a region is held under there
 * (domain/network/region-addresses.ts): only a release with it frees the address, so a release
 * sent twice, after the address became someone else's, changes nothing.
 */
export function elasticIpKey(organizationId: number, n: number): string {
  return `eip:${organizationId}:${n}`;
}

/** The organization's allocations so far in `region` (own keys only: the name comes from a request). */
export function allocationsIn(state: ElasticIpState, region: string): number {
  const a = state.allocations;
  return a !== undefined && Object.hasOwn(a, region) ? (a[region] ?? 0) : 0;
}

/** The state with `e` allocated under `key`, the region's count moved on past it. */
export function addElasticIp(state: ElasticIpState, e: ElasticIp, key: string): ElasticIpState {
  const allocations = { ...state.allocations, [e.location]: allocationsIn(state, e.location) + 1 };
  return { ...state, ips: [...state.ips, e], allocations, keys: { ...state.keys, [e.ip]: key } };
}

/** The state without `ip`, and the key its region holds it under (none for addresses from before keys). */
export function removeElasticIp(state: ElasticIpState, ip: string): { state: ElasticIpState; key: string | undefined } {
  const { [ip]: key, ...keys } = state.keys ?? {};
  return { state: { ...state, ips: state.ips.filter((x) => x.ip !== ip), ...(state.keys === undefined ? {} : { keys }) }, key };
}

const sameNic = (a: NicRef, b: NicRef): boolean =>
  a.applicationId === b.applicationId && idKey(a.vmId) === idKey(b.vmId) && idKey(a.nicId) === idKey(b.nicId);

/** Allocates an address in `region.region`; QUOTA_EXCEEDED past `maxPerOrganization` or when the region is out. */
export function allocateElasticIp(
  state: ElasticIpState,
  region: RegionAddresses,
  maxPerOrganization = 16,
): { state: ElasticIpState; region: RegionAddresses; ip: ElasticIp } {
  if (state.ips.length >= maxPerOrganization) {
    throw new RavelError('QUOTA_EXCEEDED', `at most ${maxPerOrganization} elastic IPs per organization`, { details: { limit: maxPerOrganization } });
  }
  const t = takeAddress(region);
  const ip: ElasticIp = { ip: t.ip, location: region.region };
  return { state: { ...state, ips: [...state.ips, ip] }, region: t.addresses, ip };
}

/** Binds the address to a NIC; again to the same NIC is a no-op; to another while bound is CONFLICT. */
export function attachElasticIp(state: ElasticIpState, ip: string, nic: NicRef, nicRegion: string): ElasticIpState {
  const e = find(state, ip);
  if (e.location !== nicRegion) {
    throw new RavelError('INVALID_ARGUMENT', `elastic IP ${ip} is in ${e.location}, the VM in ${nicRegion}`, { details: { ip } });
  }
  if (e.attachedTo !== undefined) {
    if (sameNic(e.attachedTo, nic)) return state;
    throw new RavelError('CONFLICT', `elastic IP ${ip} is attached to another NIC`, { details: { ip } });
  }
  const attachedTo = { applicationId: nic.applicationId, vmId: nic.vmId, nicId: nic.nicId };
  return { ...state, ips: state.ips.map((x) => (x.ip === ip ? { ...x, attachedTo } : x)) };
}

/** Unbinds the address; a detached one stays detached. */
export function detachElasticIp(state: ElasticIpState, ip: string): ElasticIpState {
  find(state, ip);
  return { ...state, ips: state.ips.map((x) => (x.ip === ip ? { ip: x.ip, location: x.location } : x)) };
}

/** Gives the address back to its region; ILLEGAL_STATE while attached (detach first). */
export function releaseElasticIp(state: ElasticIpState, region: RegionAddresses, ip: string): { state: ElasticIpState; region: RegionAddresses } {
  const e = find(state, ip);
  if (e.attachedTo !== undefined) throw new RavelError('ILLEGAL_STATE', `elastic IP ${ip} is attached; detach it first`, { details: { ip } });
  if (e.location !== region.region) throw new RavelError('INTERNAL', `elastic IP ${ip} belongs to ${e.location}, not ${region.region}`);
  const r = removeElasticIp(state, ip);
  return { state: r.state, region: releaseAddress(region, ip, r.key) };
}

/** Detaches every address bound to the application's NICs (on delete, or a VM removed with `vmId`). */
export function detachAllOf(state: ElasticIpState, applicationId: number, vmId?: LocalId): ElasticIpState {
  return {
    ...state,
    ips: state.ips.map((x) =>
      x.attachedTo !== undefined && x.attachedTo.applicationId === applicationId && (vmId === undefined || idKey(x.attachedTo.vmId) === idKey(vmId))
        ? { ip: x.ip, location: x.location }
        : x,
    ),
  };
}

/** Releases every address of the organization (on its deletion), region by region. */
export function releaseAll(state: ElasticIpState, regions: Readonly<Record<string, RegionAddresses>>): Record<string, RegionAddresses> {
  const out: Record<string, RegionAddresses> = { ...regions };
  for (const e of state.ips) {
    const r = out[e.location];
    if (r !== undefined) out[e.location] = releaseAddress(r, e.ip, state.keys?.[e.ip]);
  }
  return out;
}
