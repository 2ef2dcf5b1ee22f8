/**
 * Each application's network, planned at publish and kept in its deployment: DHCP NICs get
 * distinct addresses in 10.0.0.0/16, a static NIC keeps its address, a reservation is honoured,
 * every NIC gets a MAC, and the VM spec its host is told carries them; publishing updates keeps
 * the addresses of NICs that stay; a collision refuses the publish and changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hvxVmId } from '../actors/kinds/application/application-host-commands.ts';
import type { NetworkConnection, VmDeployment, VmDesign } from '../domain/schemas/index.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import { code, type ControlHarness, HOST_CAPACITY, operator, REGION } from './testing/control-harness.ts';
import { withHostedTenant } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

const small = (n: number, extra: Partial<VmDesign> = {}): VmDesign => sampleVm(n, { numCpus: 1, memorySize: { unit: 'MB', value: 512 }, ...extra });
const nic = (id: number, index: number, ipConfig: NetworkConnection['ipConfig']): NetworkConnection => ({ id, name: `eth${index}`, device: { deviceType: 'virtio', index, useAutomaticMac: true }, ...(ipConfig === undefined ? {} : { ipConfig }) });
const staticNic = (id: number, ip: string): NetworkConnection => nic(id, 0, { staticIpConfig: { ip, mask: '255.255.255.0', gateway: '192.168.7.1' } });

/** `vmKey/nicKey -> ip mac` of every NIC in a deployment. */
function addresses(vms: readonly VmDeployment[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const vm of vms) {
    for (const n of vm.networkConnections) out[`${String(vm.id)}/${String(n.id)}`] = `${n.ipConfig?.staticIpConfig?.ip ?? n.ipConfig?.autoIpConfig?.allocatedIp ?? '-'} ${n.device.mac ?? '-'}`;
  }
  return out;
}

const inDefaultSubnet = (ip: string | undefined): boolean => ip !== undefined && /^10\.0\.\d{1,3}\.\d{1,3}$/.test(ip);

async function deployedVms(h: ControlHarness, p: Parameters<ControlHarness['control']['getApplication']>[0], id: number): Promise<VmDeployment[]> {
  return (await h.run(h.control.getApplication(p, id, 'deployment'))).deployment?.vms ?? [];
}

test('publish plans the network: distinct DHCP addresses, a static one kept, a reservation honoured, MACs, all on the host; updates keep them', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p }) => {
    const design = {
      vms: [
        small(1),
        small(2, { networkConnections: [staticNic(202, '192.168.7.10')] }),
        small(3, { networkConnections: [nic(302, 0, { autoIpConfig: { reservedIp: '10.0.0.50' } }), nic(303, 1, { autoIpConfig: {} })] }),
      ],
    };
    const app = await h.run(c.createApplication(p, { name: 'net', design }));
    const published = await h.run(c.publishApplication(p, app.id, {}));
    assert.equal(published.designDiffersFromDeployment, false, 'the planned addresses are no design edit');
    const vms = await deployedVms(h, p, app.id);
    const [vm1, vm2, vm3] = vms;
    const dhcp = [vm1?.networkConnections[0], vm3?.networkConnections[1]].map((n) => n?.ipConfig?.autoIpConfig?.allocatedIp);
    assert.ok(dhcp.every(inDefaultSubnet), `DHCP NICs in 10.0.0.0/16: ${dhcp.join()}`);
    assert.equal(new Set(dhcp).size, 2);
    assert.ok(!dhcp.includes('10.0.0.50'), 'the reserved address is handed to no other NIC');
    assert.equal(vm2?.networkConnections[0]?.ipConfig?.staticIpConfig?.ip, '192.168.7.10');
    assert.equal(vm2?.networkConnections[0]?.ipConfig?.autoIpConfig, undefined);
    assert.equal(vm3?.networkConnections[0]?.ipConfig?.autoIpConfig?.allocatedIp, '10.0.0.50');
    assert.equal(vm3?.networkConnections[0]?.ipConfig?.autoIpConfig?.reservedIp, '10.0.0.50');
    const macs = vms.flatMap((v) => v.networkConnections.map((n) => n.device.mac));
    assert.equal(new Set(macs).size, 4);
    assert.ok(macs.every((m) => m !== undefined && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(m)));
    assert.deepEqual(vms.map((v) => v.hostnames), [['vm1'], ['vm2'], ['vm3']], 'DNS names as the design gave them');
    assert.equal((await h.run(c.getApplicationDesign(p, app.id))).vms[0]?.networkConnections[0]?.device.mac, undefined, 'the design is left as written');

    // What each host defines carries the planned MAC and address.
    await allVms(h, p, app.id, 'STARTED');
    const hv = h.sim.hosts.get('h1')!.hv;
    for (const vm of vms) {
      const spec = hv.get(hvxVmId(app.id, String(vm.id)))?.spec;
      const want = vm.networkConnections.map((n) => ({ id: `n${String(n.id)}`, mac: n.device.mac, network: 'default', ip: n.ipConfig?.staticIpConfig?.ip ?? n.ipConfig?.autoIpConfig?.allocatedIp }));
      assert.deepEqual(spec?.nics, want);
    }

    // Publishing updates: a VM added gets an address of its own; the others keep theirs.
    const before = addresses(vms);
    await h.run(c.updateApplication(p, app.id, { design: { vms: [...design.vms, small(4)] } }));
    const updated = await h.run(c.publishUpdates(p, app.id, {}));
    assert.equal(updated.designDiffersFromDeployment, false);
    const after = addresses(await deployedVms(h, p, app.id));
    const { ['400/402']: added, ...kept } = after;
    assert.deepEqual(kept, before);
    const addedIp = added?.split(' ')[0];
    assert.ok(inDefaultSubnet(addedIp) && !Object.values(before).some((a) => a.startsWith(`${addedIp ?? ''} `)), `a fresh address: ${added ?? ''}`);
    await allVms(h, p, app.id, 'STARTED');
    assert.equal(hv.get(hvxVmId(app.id, '400'))?.spec.nics[0]?.ip, addedIp);

    // An update whose new VM asks for vm2's static address: refused, nothing changes.
    await h.run(c.updateApplication(p, app.id, { design: { vms: [...design.vms, small(4), small(5, { networkConnections: [staticNic(502, '192.168.7.10')] })] } }));
    await assert.rejects(h.run(c.publishUpdates(p, app.id, {})), code('INVALID_ARGUMENT'));
    assert.deepEqual(addresses(await deployedVms(h, p, app.id)), after);
    assert.equal((await h.run(c.getApplication(p, app.id))).designDiffersFromDeployment, true);
    assert.equal(hv.get(hvxVmId(app.id, '500')), undefined);
  });
});

test('two NICs asking for the same static address: the publish is refused and changes nothing; another application has a network of its own', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p }) => {
    const clash = { vms: [small(1, { networkConnections: [staticNic(102, '192.168.7.10')] }), small(2, { networkConnections: [staticNic(202, '192.168.7.10')] })] };
    const app = await h.run(c.createApplication(p, { name: 'clash', design: clash }));
    await assert.rejects(h.run(c.publishApplication(p, app.id, {})), (e: unknown) => code('INVALID_ARGUMENT')(e) && /192\.168\.7\.10/.test(String((e as Error).message)));
    const after = await h.run(c.getApplication(p, app.id));
    assert.equal(after.published, false);
    assert.equal(after.deployment, undefined);
    assert.deepEqual((await h.run(c.listHosts(operator, REGION))).map((x) => x.freeCpus), [HOST_CAPACITY.cpus], 'no room taken');
    assert.equal(h.sim.hosts.get('h1')!.hv.list().length, 0, 'nothing defined on the host');

    // Networks are per application: two get the same first address, and deleting one frees nothing shared.
    const a = await h.run(c.createApplication(p, { name: 'a', design: { vms: [small(1)] } }));
    const b = await h.run(c.createApplication(p, { name: 'b', design: { vms: [small(1)] } }));
    const ipOf = async (id: number): Promise<string | undefined> => (await deployedVms(h, p, id))[0]?.networkConnections[0]?.ipConfig?.autoIpConfig?.allocatedIp;
    await h.run(c.publishApplication(p, a.id, {}));
    await h.run(c.publishApplication(p, b.id, {}));
    assert.equal(await ipOf(a.id), '10.0.0.3');
    assert.equal(await ipOf(b.id), '10.0.0.3');
    await h.run(c.deleteApplication(p, a.id));
    assert.equal(await ipOf(b.id), '10.0.0.3');
  });
});
