/**
 * The application network over real HTTP, as Ravello's API showed it: after publish the
 * deployment aspect (the application's and one VM's) gives each DHCP NIC its
 * `ipConfig.autoIpConfig.allocatedIp` and each NIC its `device.mac`, while the design stays as
 * written; two NICs asking for one static address answer 400 INVALID_ARGUMENT and publish nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkConnection, VmDesign } from '../../domain/schemas/index.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import { ApiTestGateway, type ApiClient } from './api-test-gateway.ts';

interface Vm { id: number; networkConnections: NetworkConnection[]; hostnames?: string[] }
interface App { id: number; published: boolean; design?: { vms: Vm[] }; deployment?: { vms: Vm[] } }

let t: ApiTestGateway;
let c: ApiClient;
before(async () => {
  t = await ApiTestGateway.start({ deployment: true });
  await t.h.addHost('h1');
  await t.tenant('acme');
  c = t.client();
  assert.equal((await c.login('acme/root', 'root-password')).status, 200);
});
after(() => t.stop());

const small = (n: number, extra: Partial<VmDesign> = {}): VmDesign => sampleVm(n, { numCpus: 1, memorySize: { unit: 'MB', value: 512 }, ...extra });
const staticAt = (id: number, ip: string): NetworkConnection => ({ id, device: { deviceType: 'virtio', index: 0 }, ipConfig: { staticIpConfig: { ip, mask: '255.255.0.0' } } });

async function create(name: string, vms: VmDesign[]): Promise<number> {
  const r = await c.request('POST', '/applications', { name, design: { vms } });
  assert.equal(r.status, 201, r.text);
  return (r.entity as App).id;
}

test('the deployment aspect shows each NIC its allocated address and MAC; the design stays as written', async () => {
  const id = await create('net', [small(1), small(2, { networkConnections: [staticAt(202, '10.0.9.9')] }), small(3)]);
  assert.equal((await c.request('POST', `/applications/${id}/publish`, {})).status, 200);
  const dep = (await c.request('GET', `/applications/${id};deployment`)).entity as App;
  const nics = (dep.deployment?.vms ?? []).map((v) => v.networkConnections[0]);
  assert.deepEqual(nics.map((n) => n?.ipConfig?.autoIpConfig?.allocatedIp), ['10.0.0.3', undefined, '10.0.0.4']);
  assert.equal(nics[1]?.ipConfig?.staticIpConfig?.ip, '10.0.9.9');
  assert.equal(new Set(nics.map((n) => n?.device.mac)).size, 3);
  assert.ok(nics.every((n) => /^2c:c2:60(:[0-9a-f]{2}){3}$/.test(n?.device.mac ?? '')), 'MACs under Ravello’s prefix');
  const one = (await c.request('GET', `/applications/${id};deployment/vms/300`)).entity as Vm;
  assert.deepEqual(one.networkConnections[0], nics[2]);
  assert.deepEqual(one.hostnames, ['vm3']);
  const design = (await c.request('GET', `/applications/${id};design/vms/300`)).entity as Vm;
  assert.deepEqual(design.networkConnections[0], small(3).networkConnections[0]);
  const app = (await c.request('GET', `/applications/${id}`)).entity as App & { designDiffersFromDeployment?: boolean };
  assert.equal(app.designDiffersFromDeployment, false);
});

test('two NICs asking for one static address: 400 INVALID_ARGUMENT, nothing published', async () => {
  const id = await create('clash', [small(1, { networkConnections: [staticAt(102, '10.0.9.9')] }), small(2, { networkConnections: [staticAt(202, '10.0.9.9')] })]);
  const r = await c.request('POST', `/applications/${id}/publish`, {});
  assert.equal(r.status, 400, r.text);
  assert.equal(r.headers.get('error-code'), 'INVALID_ARGUMENT');
  assert.match(r.text, /networkConnections/);
  assert.equal(((await c.request('GET', `/applications/${id}`)).entity as App).published, false);
});
