import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRavelError } from '../../core/errors.ts';
import { planNetwork } from './network-plan.ts';
import { sampleVm } from '../test-fixtures.ts';
import type { VmDesign } from '../schemas/vm.ts';

const staticNic = (id: number, ip: string, index = 0): VmDesign['networkConnections'][number] => ({
  id,
  device: { deviceType: 'virtio', index, useAutomaticMac: true },
  ipConfig: { staticIpConfig: { ip, mask: '255.255.255.0' } },
});

test('DHCP NICs get distinct addresses in the default subnet, skipping gateway and DNS; hostnames resolve', () => {
  const plan = planNetwork({ vms: [sampleVm(1), sampleVm(2)] });
  assert.deepEqual(plan.nics.map((n) => n.ip), ['10.0.0.3', '10.0.0.4']);
  assert.deepEqual(plan.dns, [{ name: 'vm1', ip: '10.0.0.3' }, { name: 'vm2', ip: '10.0.0.4' }]);
  assert.equal(new Set(plan.nics.map((n) => n.mac)).size, 2);
  assert.deepEqual(plan.subnets[0], { cidr: '10.0.0.0/16', gateway: '10.0.0.1', dns: '10.0.0.2' });
});

test('static addresses add their subnet; a reservation is honoured and not handed to another NIC', () => {
  const vm1 = sampleVm(1, { networkConnections: [staticNic(102, '192.168.5.10')] });
  const vm2 = sampleVm(2, { networkConnections: [{ id: 202, device: { deviceType: 'virtio', index: 0 }, ipConfig: { autoIpConfig: { reservedIp: '10.0.0.3' } } }] });
  const plan = planNetwork({ vms: [sampleVm(3), vm1, vm2] });
  const ips = Object.fromEntries(plan.nics.map((n) => [n.vmKey, n.ip]));
  assert.deepEqual(ips, { '100': '192.168.5.10', '200': '10.0.0.3', '300': '10.0.0.4' });
  assert.ok(plan.subnets.some((s) => s.cidr === '192.168.5.0/24'));
});

test('collisions are refused with the field: the same static IP twice, the gateway, a reservation outside every subnet, a fixed MAC twice', () => {
  const field = (f: string) => (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT') && e.details?.['field'] === f;
  assert.throws(
    () => planNetwork({ vms: [sampleVm(1, { networkConnections: [staticNic(102, '192.168.5.10')] }), sampleVm(2, { networkConnections: [staticNic(202, '192.168.5.10')] })] }),
    field('/design/vms/1/networkConnections/0/ipConfig/staticIpConfig/ip'),
  );
  assert.throws(() => planNetwork({ vms: [sampleVm(1, { networkConnections: [staticNic(102, '192.168.5.1')] })] }), field('/design/vms/0/networkConnections/0/ipConfig/staticIpConfig/ip'));
  assert.throws(
    () => planNetwork({ vms: [sampleVm(1, { networkConnections: [{ id: 102, device: { deviceType: 'e1000', index: 0 }, ipConfig: { autoIpConfig: { reservedIp: '172.16.0.9' } } }] })] }),
    field('/design/vms/0/networkConnections/0/ipConfig/autoIpConfig/reservedIp'),
  );
  const fixed = (id: number): VmDesign['networkConnections'][number] => ({ id, device: { deviceType: 'virtio', index: 0, useAutomaticMac: false, mac: '02:00:00:00:00:01' } });
  assert.throws(() => planNetwork({ vms: [sampleVm(1, { networkConnections: [fixed(102)] }), sampleVm(2, { networkConnections: [fixed(202)] })] }), field('/design/vms/1/networkConnections/0/device/mac'));
});

test('replanning with the previous plan keeps the addresses and MACs of NICs that stay', () => {
  const first = planNetwork({ vms: [sampleVm(1), sampleVm(2), sampleVm(3)] });
  const second = planNetwork({ vms: [sampleVm(3), sampleVm(4)] }, first);
  const before = first.nics.find((n) => n.vmKey === '300')!;
  const after = second.nics.find((n) => n.vmKey === '300')!;
  assert.equal(after.ip, before.ip);
  assert.equal(after.mac, before.mac);
  assert.notEqual(second.nics.find((n) => n.vmKey === '400')!.ip, after.ip);
});

test('property: no address or MAC is handed out twice in a plan, across replans; NICs that stay keep theirs', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 30 }), (a, b) => {
      const design = (ns: number[]) => ({ vms: [...new Set(ns)].map((n) => sampleVm(n, { hostnames: [] })) });
      const p1 = planNetwork(design(a));
      const p2 = planNetwork(design(b), p1);
      for (const p of [p1, p2]) {
        assert.equal(new Set(p.nics.map((n) => n.ip)).size, p.nics.length);
        assert.equal(new Set(p.nics.map((n) => n.mac)).size, p.nics.length);
        assert.ok(p.nics.every((n) => n.ip !== '10.0.0.1' && n.ip !== '10.0.0.2' && n.ip !== '10.0.0.0'));
      }
      const before = new Map(p1.nics.map((n) => [n.vmKey, `${n.ip} ${n.mac}`]));
      for (const n of p2.nics) if (before.has(n.vmKey)) assert.equal(`${n.ip} ${n.mac}`, before.get(n.vmKey));
    }),
  );
});

test('replanning: a NIC new earlier in the design does not take the address of a NIC that stays', () => {
  const first = planNetwork({ vms: [sampleVm(1), sampleVm(2)] });
  const second = planNetwork({ vms: [sampleVm(0), sampleVm(1), sampleVm(2)] }, first);
  const ip = (p: typeof first, vmKey: string): string | undefined => p.nics.find((n) => n.vmKey === vmKey)?.ip;
  assert.equal(ip(second, '100'), ip(first, '100'));
  assert.equal(ip(second, '200'), ip(first, '200'));
  assert.equal(ip(second, '0'), '10.0.0.5');
});
