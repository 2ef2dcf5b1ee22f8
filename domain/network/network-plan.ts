/**
 * An application's network, designed with it as Ravello's was: one default subnet for DHCP
 * (10.0.0.0/16, gateway .1, DNS .2) plus the subnets its static addresses name; an address and
 * a MAC for every NIC, none twice; DNS names from `hostnames`. Planned again on each publish of
 * updates with the previous plan given, so NICs that stay keep their addresses.
 */
import { RavelError } from '../../core/errors.ts';
import type { Design } from '../schemas/application.ts';
import { idKey } from '../schemas/common.ts';
import { formatCidr, intToIp, ipToInt, maskToPrefix, parseCidr, subnetBounds, subnetContains, subnetOf, type Subnet } from './ipv4.ts';

export const DEFAULT_SUBNET = '10.0.0.0/16';
/** Locally administered MACs: 2c:c2:60 is Ravello's prefix, kept so guests see familiar NICs. */
const MAC_PREFIX = '2c:c2:60';

export interface SubnetPlan {
  readonly cidr: string;
  readonly gateway: string;
  readonly dns: string;
}

export interface NicPlan {
  readonly vmKey: string;
  readonly nicKey: string;
  readonly ip: string;
  readonly mode: 'STATIC' | 'DHCP';
  readonly mac: string;
}

export interface NetworkPlan {
  readonly subnets: readonly SubnetPlan[];
  readonly nics: readonly NicPlan[];
  /** Name to address: each VM's hostnames resolve to its first NIC. */
  readonly dns: readonly { readonly name: string; readonly ip: string }[];
}

function bad(field: string, message: string): RavelError {
  return new RavelError('INVALID_ARGUMENT', `${field}: ${message}`, { details: { field } });
}

/**
 * The values of [lo, hi] a plan has handed out. Mutable, as it lives only while one plan is made;
 * nothing is given back meanwhile, so a cursor past the last value handed out keeps `next` the
 * lowest free value without walking the taken ones again for every NIC.
 */
class Taken {
  private readonly taken: Set<number>;
  private cursor: number;
  constructor(
    readonly lo: number,
    readonly hi: number,
    reserved: readonly number[] = [],
  ) {
    this.taken = new Set(reserved);
    this.cursor = lo;
  }
  has(v: number): boolean {
    return this.taken.has(v);
  }
  add(v: number): void {
    this.taken.add(v);
  }
  next(): number {
    for (let v = this.cursor; v <= this.hi; v++) {
      if (this.taken.has(v)) continue;
      this.taken.add(v);
      this.cursor = v + 1;
      return v;
    }
    throw new RavelError('QUOTA_EXCEEDED', `no free value left in [${this.lo}, ${this.hi}]`);
  }
}

interface SubnetState {
  subnet: Subnet;
  gateway: number;
  dns: number;
  pool: Taken;
}

function openSubnet(subnet: Subnet, gateway?: number, dns?: number): SubnetState {
  const [lo, hi] = subnetBounds(subnet);
  const gw = gateway ?? lo + 1;
  const ns = dns ?? lo + 2;
  return { subnet, gateway: gw, dns: ns, pool: new Taken(lo, hi, [lo, hi, gw, ns]) };
}

/** Plans addresses for every NIC of the design; throws INVALID_ARGUMENT for a collision. */
export function planNetwork(design: Design, previous?: NetworkPlan): NetworkPlan {
  const subnets: SubnetState[] = [openSubnet(parseCidr(DEFAULT_SUBNET))];
  const findSubnet = (ip: number): SubnetState | undefined => subnets.find((s) => subnetContains(s.subnet, ip));
  const claim = (ip: number, field: string): void => {
    const s = findSubnet(ip);
    if (s === undefined) throw bad(field, `${intToIp(ip)} is in no subnet of the application`);
    if (s.pool.has(ip)) throw bad(field, `${intToIp(ip)} is already used (or is the subnet's network, broadcast, gateway or DNS address)`);
    s.pool.add(ip);
  };
  const nicsOut = new Map<string, NicPlan>();
  const dhcpLater: { vmKey: string; nicKey: string; field: string; mac: string }[] = [];
  const prevByNic = new Map((previous?.nics ?? []).map((n) => [`${n.vmKey}/${n.nicKey}`, n]));
  const macs = new Taken(0, 0xffffff);
  const usedMacs = new Map<string, string>();

  // Static subnets first, so a DHCP reservation inside one is known when claimed.
  design.vms.forEach((vm, i) =>
    vm.networkConnections.forEach((nic, j) => {
      const st = nic.ipConfig?.staticIpConfig;
      if (st === undefined) return;
      const ip = ipToInt(st.ip);
      if (findSubnet(ip) === undefined) {
        const subnet = subnetOf(st.ip, maskToPrefix(st.mask));
        if (subnet.prefix > 30) throw bad(`/design/vms/${i}/networkConnections/${j}/ipConfig/staticIpConfig/mask`, 'a subnet needs at least /30');
        subnets.push(openSubnet(subnet, st.gateway === undefined ? undefined : ipToInt(st.gateway), st.dns === undefined ? undefined : ipToInt(st.dns)));
      }
    }),
  );

  // Fixed MACs and fixed addresses, then the rest from the pools.
  design.vms.forEach((vm, i) =>
    vm.networkConnections.forEach((nic, j) => {
      const field = `/design/vms/${i}/networkConnections/${j}`;
      const vmKey = idKey(vm.id);
      const nicKey = idKey(nic.id);
      let mac = nic.device.useAutomaticMac === false ? nic.device.mac?.toLowerCase() : undefined;
      if (mac === undefined) mac = prevByNic.get(`${vmKey}/${nicKey}`)?.mac;
      if (mac !== undefined) {
        if (usedMacs.has(mac)) throw bad(`${field}/device/mac`, `MAC ${mac} is already used at ${usedMacs.get(mac)}`);
        usedMacs.set(mac, field);
        if (mac.startsWith(MAC_PREFIX)) macs.add(parseInt(mac.slice(9).replaceAll(':', ''), 16));
      }
      const cfg = nic.ipConfig;
      if (cfg?.staticIpConfig !== undefined) {
        claim(ipToInt(cfg.staticIpConfig.ip), `${field}/ipConfig/staticIpConfig/ip`);
        nicsOut.set(`${vmKey}/${nicKey}`, { vmKey, nicKey, ip: cfg.staticIpConfig.ip, mode: 'STATIC', mac: mac ?? '' });
        return;
      }
      const asked = cfg?.autoIpConfig?.reservedIp;
      if (asked !== undefined) {
        claim(ipToInt(asked), `${field}/ipConfig/autoIpConfig/reservedIp`);
        nicsOut.set(`${vmKey}/${nicKey}`, { vmKey, nicKey, ip: asked, mode: 'DHCP', mac: mac ?? '' });
        return;
      }
      dhcpLater.push({ vmKey, nicKey, field, mac: mac ?? '' });
    }),
  );

  // Unpinned DHCP NICs keep last plan's address when it is still free, all claimed before any new
  // one is handed out (else a NIC earlier in the design could take a staying NIC's address);
  // the others take the next free one.
  const dhcp = subnets[0]!;
  const kept = new Map<string, number>();
  for (const n of dhcpLater) {
    const prev = prevByNic.get(`${n.vmKey}/${n.nicKey}`);
    if (prev?.mode !== 'DHCP') continue;
    const p = ipToInt(prev.ip);
    if (!subnetContains(dhcp.subnet, p) || dhcp.pool.has(p)) continue;
    dhcp.pool.add(p);
    kept.set(`${n.vmKey}/${n.nicKey}`, p);
  }
  for (const n of dhcpLater) {
    const ip = kept.get(`${n.vmKey}/${n.nicKey}`) ?? dhcp.pool.next();
    nicsOut.set(`${n.vmKey}/${n.nicKey}`, { vmKey: n.vmKey, nicKey: n.nicKey, ip: intToIp(ip), mode: 'DHCP', mac: n.mac });
  }

  // Automatic MACs last, so none collides with a fixed one.
  const nics = [...nicsOut.values()].map((n) => {
    if (n.mac !== '') return n;
    const hex = macs.next().toString(16).padStart(6, '0');
    return { ...n, mac: `${MAC_PREFIX}:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}` };
  });

  const dns: { name: string; ip: string }[] = [];
  for (const vm of design.vms) {
    const first = vm.networkConnections[0];
    if (first === undefined) continue;
    const ip = nicsOut.get(`${idKey(vm.id)}/${idKey(first.id)}`)?.ip;
    if (ip === undefined) continue;
    for (const name of vm.hostnames ?? []) dns.push({ name: name.toLowerCase(), ip });
  }
  return {
    subnets: subnets.map((s) => ({ cidr: formatCidr(s.subnet), gateway: intToIp(s.gateway), dns: intToIp(s.dns) })),
    nics,
    dns,
  };
}
