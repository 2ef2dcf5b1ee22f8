/**
 * Publishing a VM's external services: a public address per VM that has any (its NIC's
 * elastic IP when bound, else one from the region), a public port per service port (the same
 * port when free on that address, else the next free from 10000), and an FQDN. Released on
 * unpublish or delete; elastic addresses stay with the organization.
 */
import type { VmDesign } from '../schemas/vm.ts';
import { idKey } from '../schemas/common.ts';
import { parsePortRange } from '../design/design-validate.ts';
import { newPool, take, takeNext, isTaken, type RangePool } from './range-allocator.ts';
import { releaseAddress, takeAddress, type RegionAddresses } from './region-addresses.ts';

export interface PublishedService {
  readonly name: string;
  readonly protocol: string;
  readonly internalPort: number;
  readonly publicIp: string;
  readonly publicPort: number;
}

export interface VmExposure {
  readonly vmKey: string;
  readonly publicIp: string;
  /** True when the address is an elastic IP: it is not returned to the region on release. */
  readonly elastic: boolean;
  readonly fqdn: string;
  readonly services: readonly PublishedService[];
}

/** A DNS label from a VM name: lower case, letters, digits and `-`, at most 40 characters. */
export function dnsLabel(name: string): string {
  const l = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return l === '' ? 'vm' : l;
}

/** `name-appId-vmId36.region.baseDomain`: unique per VM, since the VM id is unique in its application. */
export function vmFqdn(vm: Pick<VmDesign, 'id' | 'name'>, applicationId: number, region: string, baseDomain: string): string {
  return `${dnsLabel(vm.name)}-${applicationId}-${BigInt(idKey(vm.id)).toString(36)}.${dnsLabel(region)}.${baseDomain}`;
}

const FIRST_MAPPED_PORT = 10000;

/** True when the VM has an external service or a NIC asking for a public (or elastic) address. */
export function needsPublicAddress(vm: VmDesign): boolean {
  return (vm.suppliedServices ?? []).some((s) => s.external === true) || vm.networkConnections.some((n) => n.ipConfig?.hasPublicIp === true || n.ipConfig?.elasticIpAddress !== undefined);
}

/** The elastic IP a NIC of the VM binds, if any (the first). */
export function elasticIpOf(vm: VmDesign): string | undefined {
  return vm.networkConnections.find((n) => n.ipConfig?.elasticIpAddress !== undefined)?.ipConfig?.elasticIpAddress;
}

/**
 * One VM's exposure on `publicIp`: each external service port gets the same public port when
 * free on that address, else the next free from 10000; no port is handed out twice.
 */
export function exposeVm(vm: VmDesign, applicationId: number, region: string, baseDomain: string, publicIp: string, elastic: boolean): VmExposure {
  let ports: RangePool = newPool(1, 65535);
  const services: PublishedService[] = [];
  for (const s of vm.suppliedServices ?? []) {
    if (s.external !== true) continue;
    const [lo, hi] = parsePortRange(s.portRange);
    for (let p = lo; p <= hi; p++) {
      let publicPort = p;
      if (isTaken(ports, p)) {
        const t = takeNext(ports, FIRST_MAPPED_PORT);
        ports = t.pool;
        publicPort = t.value;
      } else {
        ports = take(ports, p);
      }
      services.push({ name: s.name, protocol: s.protocol, internalPort: p, publicIp, publicPort });
    }
  }
  return { vmKey: idKey(vm.id), publicIp, elastic, fqdn: vmFqdn(vm, applicationId, region, baseDomain), services };
}

/**
 * Exposes the VMs that need it; `elasticByVm` maps a VM key to the elastic IP bound to its NIC
 * (checked by the organization beforehand). Returns the exposures and the region's new pool.
 */
export function exposeVms(
  vms: readonly VmDesign[],
  applicationId: number,
  region: RegionAddresses,
  baseDomain: string,
  elasticByVm: Readonly<Record<string, string>> = {},
): { exposures: VmExposure[]; region: RegionAddresses } {
  let addresses = region;
  const exposures: VmExposure[] = [];
  for (const vm of vms) {
    if (!needsPublicAddress(vm)) continue;
    const elasticIp = elasticByVm[idKey(vm.id)];
    let publicIp: string;
    if (elasticIp !== undefined) {
      publicIp = elasticIp;
    } else {
      const t = takeAddress(addresses);
      addresses = t.addresses;
      publicIp = t.ip;
    }
    exposures.push(exposeVm(vm, applicationId, region.region, baseDomain, publicIp, elasticIp !== undefined));
  }
  return { exposures, region: addresses };
}

/** Returns the region addresses of these exposures; elastic ones stay with the organization. */
export function releaseExposures(exposures: readonly VmExposure[], region: RegionAddresses): RegionAddresses {
  return exposures.reduce((r, e) => (e.elastic ? r : releaseAddress(r, e.publicIp)), region);
}
