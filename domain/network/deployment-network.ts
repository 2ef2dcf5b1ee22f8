/**
 * An application's network plan kept in its deployment, as Ravello's API showed it: each
 * deployed NIC's `device.mac` is its planned MAC and a DHCP NIC's `ipConfig.autoIpConfig.allocatedIp`
 * its planned address (a static NIC's is its `staticIpConfig.ip`). The deployment is the plan's
 * only record: the previous plan a publish of updates starts from is read back from it, and it
 * goes with the application (nothing outside the application holds these addresses).
 */
import type { Deployment, Design } from '../schemas/application.ts';
import { idKey } from '../schemas/common.ts';
import type { NetworkConnection, VmDeployment, VmDesign } from '../schemas/vm.ts';
import { planNetwork, type NetworkPlan, type NicPlan } from './network-plan.ts';

/** The address a deployed NIC was given; undefined for a NIC without one (a draft's). */
export function plannedIpOf(nic: NetworkConnection): string | undefined {
  return nic.ipConfig?.staticIpConfig?.ip ?? nic.ipConfig?.autoIpConfig?.allocatedIp;
}

/** The plan a deployment holds: each NIC with both an address and a MAC. */
export function planOfDeployment(dep: Pick<Deployment, 'vms'>): NetworkPlan {
  const nics: NicPlan[] = [];
  for (const vm of dep.vms) {
    for (const nic of vm.networkConnections) {
      const ip = plannedIpOf(nic);
      const mac = nic.device.mac?.toLowerCase();
      if (ip === undefined || mac === undefined) continue;
      nics.push({ vmKey: idKey(vm.id), nicKey: idKey(nic.id), ip, mode: nic.ipConfig?.staticIpConfig === undefined ? 'DHCP' : 'STATIC', mac });
    }
  }
  return { subnets: [], nics, dns: [] };
}

/**
 * Plans the design's network, from the deployment's plan when there is one so NICs that stay keep
 * their addresses and MACs. INVALID_ARGUMENT naming the field for a collision.
 */
export function planDeploymentNetwork(design: Design, deployed?: Pick<Deployment, 'vms'>): NetworkPlan {
  return planNetwork(design, deployed === undefined ? undefined : planOfDeployment(deployed));
}

function plannedNic(nic: NetworkConnection, p: NicPlan | undefined): NetworkConnection {
  const { allocatedIp: _stale, ...auto } = nic.ipConfig?.autoIpConfig ?? {};
  const ipConfig = nic.ipConfig?.staticIpConfig !== undefined || p === undefined ? nic.ipConfig : { ...nic.ipConfig, autoIpConfig: { ...auto, allocatedIp: p.ip } };
  return { ...nic, device: { ...nic.device, ...(p === undefined ? {} : { mac: p.mac }) }, ...(ipConfig === undefined ? {} : { ipConfig }) };
}

/** The deployed VMs with the plan's MAC and address written on each NIC. */
export function withPlannedNics<V extends VmDeployment>(vms: readonly V[], plan: NetworkPlan): V[] {
  const byNic = new Map(plan.nics.map((n) => [`${n.vmKey}/${n.nicKey}`, n]));
  return vms.map((vm) => ({ ...vm, networkConnections: vm.networkConnections.map((nic) => plannedNic(nic, byNic.get(`${idKey(vm.id)}/${idKey(nic.id)}`))) }));
}

/**
 * A VM without what the network plan writes on its NICs (a MAC the design did not fix, an
 * allocated address): what compares a deployed VM with its design, and a design VM sent with
 * them (read back from a deployment) with one sent without.
 */
export function withoutPlannedNics<V extends VmDesign>(vm: V): V {
  const bare = (nic: NetworkConnection): NetworkConnection => {
    const { mac: _mac, ...device } = nic.device;
    const auto = nic.ipConfig?.autoIpConfig;
    const { allocatedIp: _a, ...kept } = auto ?? {};
    const ipConfig = auto === undefined || nic.ipConfig === undefined ? nic.ipConfig : { ...nic.ipConfig, autoIpConfig: kept };
    return { ...nic, device: nic.device.useAutomaticMac === false ? nic.device : device, ...(ipConfig === undefined ? {} : { ipConfig }) };
  };
  return { ...vm, networkConnections: vm.networkConnections.map(bare) };
}
