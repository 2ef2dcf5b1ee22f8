/**
 * Published external services: a public address per exposed VM from the region's range (shared
 * with elastic IPs, never handed out twice), public ports without collisions, an FQDN; an
 * elastic IP a NIC names is used as is; deleting the application gives the addresses back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VmDesign } from '../domain/schemas/index.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import { code, HOST_CAPACITY, operator, REGION } from './testing/control-harness.ts';
import { withHostedTenant } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

/** A small VM serving ssh and two web services on port 80 (the second gets a mapped port). */
function exposed(n: number, extra: Partial<VmDesign> = {}): VmDesign {
  return sampleVm(n, {
    numCpus: 1,
    memorySize: { unit: 'MB', value: 512 },
    suppliedServices: [
      { name: 'ssh', portRange: '22', protocol: 'SSH', external: true },
      { name: 'web', portRange: '80', protocol: 'HTTP', external: true },
      { name: 'web2', portRange: '80', protocol: 'HTTP', external: true },
      { name: 'db', portRange: '5432', protocol: 'TCP' },
    ],
    ...extra,
  });
}

test('exposed VMs get distinct public addresses, ports and FQDNs; elastic IPs bind; delete gives the addresses back', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p }) => {
    // The region's range has 14 addresses: take one as an elastic IP for VM 3's NIC.
    const elastic = await h.run(c.allocateElasticIp(p, { location: 'us-east' }));
    const nicWithElastic = { id: 302, name: 'eth0', device: { deviceType: 'virtio' as const, index: 0, useAutomaticMac: true }, ipConfig: { elasticIpAddress: elastic.ip } };
    const design = { vms: [exposed(1), exposed(2), exposed(3, { networkConnections: [nicWithElastic] }), sampleVm(4, { numCpus: 1 })] };
    const app = await h.run(c.createApplication(p, { name: 'web', design }));
    const pub = await h.run(c.publishApplication(p, app.id, {}));
    const vms = pub.deployment?.vms ?? [];
    const ips = vms.map((v) => v.publicIps?.[0]);
    assert.equal(ips[2], elastic.ip, 'the NIC’s elastic IP is the VM’s public address');
    assert.equal(ips[3], undefined, 'a VM with nothing external gets no address');
    assert.equal(new Set([...ips.slice(0, 3), elastic.ip]).size, 3, 'no address handed out twice');
    assert.notEqual(ips[0], ips[1]);
    assert.deepEqual(vms[0]?.publicServices?.map((s) => `${s.name}:${s.internalPort}->${s.publicPort}`), ['ssh:22->22', 'web:80->80', 'web2:80->10000']);
    assert.match(vms[0]?.fqdn ?? '', new RegExp(`^vm1-${app.id}-[0-9a-z]+\\.us-east\\.`));
    assert.equal(new Set(vms.map((v) => v.fqdn).filter((f) => f !== undefined)).size, 3);
    await allVms(h, p, app.id, 'STARTED');
    const dep = await h.run(c.getApplication(p, app.id, 'deployment'));
    assert.deepEqual(dep.deployment?.vms.map((v) => v.publicIps?.[0]), ips, 'kept as the VMs run');

    // 14 addresses: 1 elastic + 2 published => 11 more elastic IPs fit, the 12th does not.
    const more = [];
    for (let i = 0; i < 11; i++) more.push(await h.run(c.allocateElasticIp(p, { location: 'us-east' })));
    assert.equal(new Set([...more.map((e) => e.ip), ...ips.slice(0, 3)]).size, 14);
    await assert.rejects(h.run(c.allocateElasticIp(p, { location: 'us-east' })), code('QUOTA_EXCEEDED'));

    await h.run(c.deleteApplication(p, app.id));
    const back = [await h.run(c.allocateElasticIp(p, { location: 'us-east' })), await h.run(c.allocateElasticIp(p, { location: 'us-east' }))];
    assert.deepEqual(back.map((e) => e.ip).sort(), [ips[0], ips[1]].sort(), 'the two published addresses came back; the elastic one stayed allocated');

    // A NIC naming an address the organization does not hold: refused, nothing published.
    const stranger = await h.run(c.createApplication(p, { name: 'x', design: { vms: [exposed(5, { networkConnections: [{ ...nicWithElastic, id: 502, ipConfig: { elasticIpAddress: '198.51.100.7' } }] })] } }));
    await assert.rejects(h.run(c.publishApplication(p, stranger.id, {})), code('INVALID_ARGUMENT'));
    assert.equal((await h.run(c.getApplication(p, stranger.id))).published, false);
    assert.deepEqual((await h.run(c.listHosts(operator, REGION))).map((x) => x.freeCpus), [HOST_CAPACITY.cpus], 'the room placement took went back');
  });
});
