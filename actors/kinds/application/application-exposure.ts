/**
 * Public addresses of deployed VMs (domain/network/public-services.ts): a VM with an external
 * service or a NIC asking for a public address gets one from its region's `region-ips` actor
 * (shared with elastic IPs, so none is handed out twice), or the organization's elastic IP its
 * NIC names; its services get public ports, and it gets an FQDN. What shows as `fqdn`,
 * `publicIps` and `publicServices` in the deployment; returned to the region when the VM leaves
 * the deployment (elastic addresses stay with the organization).
 */
import { RavelError } from '../../../core/errors.ts';
import { elasticIpOf, exposeVm, needsPublicAddress } from '../../../domain/network/public-services.ts';
import { idKey, type ElasticIp, type LocalId, type VmDeployment } from '../../../domain/schemas/index.ts';
import type { Principal } from '../../../domain/tenancy/principal.ts';
import { organizationRef } from '../organization/organization-kind.ts';
import { regionIpsRef, type RegionIpsMsg } from '../organization/region-ips-kind.ts';
import type { Ctx, Live } from './application-design.ts';

/** The domain FQDNs end in when the configuration names none. */
export const DEFAULT_BASE_DOMAIN = 'apps.ravel.internal';

const system: Principal = { kind: 'system' };

/** The elastic IP a VM binds, checked: the organization's, and allocated in the VM's region. */
async function checkedElasticIp(ctx: Ctx, s: Live, vm: VmDeployment, region: string, ip: string): Promise<string> {
  const owned = await ctx.actors.ask<readonly ElasticIp[], { type: 'listElasticIps'; principal: Principal }>(organizationRef(s.organizationId), { type: 'listElasticIps', principal: system });
  const e = owned.find((x) => x.ip === ip);
  const field = `/design/vms/${idKey(vm.id)}/networkConnections/ipConfig/elasticIpAddress`;
  if (e === undefined) throw new RavelError('INVALID_ARGUMENT', `${ip} is not an elastic IP of this organization`, { details: { field } });
  if (e.location !== region) throw new RavelError('INVALID_ARGUMENT', `elastic IP ${ip} is in ${e.location}, the application in ${region}`, { details: { field } });
  return ip;
}

/**
 * The key a VM holds its region address under (domain/network/region-addresses.ts). The region
 * keeps it with the address, in the state its take and release write, and forgets it on release:
 * a turn retried after a crash (nothing given back) gets the address its first try took, while a
 * try after a refusal gave the address back gets a fresh one, never the one given back, which
 * may be someone else's by then. Only this key's release frees the address, so a release repeated
 * after the address went elsewhere changes nothing. Durable, unlike a key moved on in memory.
 */
const exposureKey = (ctx: Ctx, vm: VmDeployment): string => `expose:${ctx.self.id}:${idKey(vm.id)}`;

/** `vms` with their public addresses, ports and FQDNs; VMs that need none, or already have them, unchanged. */
export async function exposeDeployedVms(ctx: Ctx, s: Live, vms: readonly VmDeployment[], region: string, baseDomain: string): Promise<VmDeployment[]> {
  const out: VmDeployment[] = [];
  try {
    for (const vm of vms) {
      if (!needsPublicAddress(vm) || vm.publicIps !== undefined) {
        out.push(vm);
        continue;
      }
      const elastic = elasticIpOf(vm);
      const ip = elastic !== undefined
        ? await checkedElasticIp(ctx, s, vm, region, elastic)
        : await ctx.actors.ask<string, RegionIpsMsg>(regionIpsRef(region), { type: 'take', key: exposureKey(ctx, vm) });
      const e = exposeVm(vm, s.app.id, region, baseDomain, ip, elastic !== undefined);
      out.push({ ...vm, fqdn: e.fqdn, publicIps: [e.publicIp], publicServices: [...e.services] });
    }
  } catch (e) {
    // A refusal changes nothing: the addresses taken so far go back.
    await releaseExposures(ctx, region, out.filter((v) => !vms.includes(v)));
    throw e;
  }
  return out;
}

/** Gives the region back the addresses of VMs leaving the deployment; elastic ones stay bound to the organization. */
export async function releaseExposures(ctx: Ctx, region: string, vms: readonly VmDeployment[]): Promise<void> {
  for (const vm of vms) {
    const elastic = elasticIpOf(vm);
    for (const ip of vm.publicIps ?? []) {
      if (ip !== elastic) await ctx.actors.ask<null, RegionIpsMsg>(regionIpsRef(region), { type: 'release', ip, key: exposureKey(ctx, vm) });
    }
  }
}

type DetachApplicationIps = { readonly type: 'detachApplicationIps'; readonly applicationId: number; readonly vmIds?: readonly LocalId[] };

/** Elastic IPs the organization bound to these VMs (all of the application's without `vmIds`) are detached; they stay allocated. */
export async function detachElasticIps(ctx: Ctx, s: Live, vmIds?: readonly LocalId[]): Promise<void> {
  if (vmIds !== undefined && vmIds.length === 0) return;
  const msg: DetachApplicationIps = { type: 'detachApplicationIps', applicationId: s.app.id, ...(vmIds === undefined ? {} : { vmIds }) };
  await ctx.actors.ask<string[], DetachApplicationIps>(organizationRef(s.organizationId), msg);
}
