import { test } from 'node:test';
import assert from 'node:assert/strict';
import { designDiffersFromDeployment } from '../application/application-state.ts';
import type { VmDeployment, VmDesign } from '../schemas/vm.ts';
import { sampleVm } from '../test-fixtures.ts';
import { planDeploymentNetwork, planOfDeployment, plannedIpOf, withoutPlannedNics, withPlannedNics } from './deployment-network.ts';

const deployed = (vms: VmDesign[]): VmDeployment[] => vms.map((v) => ({ ...v, state: 'STOPPED' }));
const fixedMac = sampleVm(2, { networkConnections: [{ id: 202, device: { deviceType: 'virtio', index: 0, useAutomaticMac: false, mac: '02:00:00:00:00:07' }, ipConfig: { autoIpConfig: { reservedIp: '10.0.0.9' } } }] });

test('the plan written on the deployment reads back as the same plan, and a replan from it keeps every NIC', () => {
  const design = { vms: [sampleVm(1), fixedMac] };
  const plan = planDeploymentNetwork(design);
  const vms = withPlannedNics(deployed(design.vms), plan);
  assert.equal(vms[1]?.networkConnections[0]?.device.mac, '02:00:00:00:00:07');
  assert.equal(vms[1]?.networkConnections[0]?.ipConfig?.autoIpConfig?.reservedIp, '10.0.0.9', 'the reservation stays beside the allocation');
  assert.deepEqual(vms.map((v) => plannedIpOf(v.networkConnections[0]!)), ['10.0.0.3', '10.0.0.9']);
  const byKey = (p: typeof plan) => p.nics.map((n) => `${n.vmKey}/${n.nicKey} ${n.ip} ${n.mode} ${n.mac}`).sort();
  assert.deepEqual(byKey(planOfDeployment({ vms })), byKey(plan));
  assert.deepEqual(byKey(planDeploymentNetwork(design, { vms })), byKey(plan));
});

test('what the plan writes is no design edit: a design sent back with it equals one without', () => {
  const design = { vms: [sampleVm(1), fixedMac] };
  const vms = withPlannedNics(deployed(design.vms), planDeploymentNetwork(design));
  assert.equal(designDiffersFromDeployment(design, { vms }), false);
  const readBack = { vms: vms.map(({ state: _s, ...v }) => v) };
  assert.equal(designDiffersFromDeployment(readBack, { vms }), false);
  assert.deepEqual(withoutPlannedNics(readBack.vms[1]!), fixedMac, 'a MAC the design fixed is design');
  const moved = { vms: [sampleVm(1), { ...fixedMac, networkConnections: [{ ...fixedMac.networkConnections[0]!, ipConfig: { autoIpConfig: { reservedIp: '10.0.0.10' } } }] }] };
  assert.equal(designDiffersFromDeployment(moved, { vms }), true);
});
