/**
 * Over real HTTP on simulated hosts: edit a published application and `publishUpdates`
 * (`?startAllDraftVms=false`), repair/resetDisks refused with 409 when the state does not allow
 * them, redeploy of a running VM (shut down, snapshotted, booted elsewhere), several VMs at once, and `DELETE` of a published application (204, then 404,
 * its VMs gone from the hosts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VmState } from '../../domain/schemas/index.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import { ApiTestGateway, type ApiAnswer, type ApiClient } from './api-test-gateway.ts';

interface AppObj {
  id: number;
  designDiffersFromDeployment?: boolean;
  design: { vms: unknown[] };
  deployment?: { vms: { id: number | bigint; state: VmState }[] };
}

let t: ApiTestGateway;
before(async () => {
  t = await ApiTestGateway.start({ deployment: true });
  await t.h.addHost('h1');
  await t.tenant('acme');
});
after(() => t.stop());

function ok(r: ApiAnswer, status = 200): void {
  assert.equal(r.status, status, r.text);
}

function refused(r: ApiAnswer, status: number, code: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers.get('error-code'), code);
}

const states = (a: AppObj): string[] => (a.deployment?.vms ?? []).map((v) => `${String(v.id)}:${v.state}`);

async function waitFor(c: ApiClient, id: number, want: string[]): Promise<AppObj> {
  for (let i = 0; i < 24; i++) {
    const app = (await c.request('GET', `/applications/${id}`)).entity as AppObj;
    if (states(app).join() === want.join()) return app;
    await t.h.tc.advance(5000);
  }
  assert.fail(`application ${id} never reached ${want.join()}`);
}

test('publishUpdates, per-VM redeploy/repair/resetDisks, several VMs, and deleting a published application', async () => {
  const c = t.client();
  ok(await c.login('acme/root', 'root-password'));
  const made = await c.request('POST', '/applications', { name: 'web', design: { vms: [sampleVm(1)] } });
  ok(made, 201);
  const id = (made.entity as AppObj).id;
  refused(await c.request('POST', `/applications/${id}/publishUpdates`), 409, 'ILLEGAL_STATE');
  const quote = await c.request('POST', `/applications/${id}/calcPrice;design`);
  ok(quote);
  assert.equal((quote.entity as { totalMicrosPerHour: number }).totalMicrosPerHour, 80_000, '2 CPUs at 0.02 and 4 GB at 0.01 an hour');
  refused(await c.request('POST', `/applications/${id}/calcPrice;deployment`), 409, 'ILLEGAL_STATE');
  ok(await c.request('POST', `/applications/${id}/publish`, { optimizationLevel: 'COST_OPTIMIZED' }));
  await waitFor(c, id, ['100:STARTED']);

  const app = (await c.request('GET', `/applications/${id}`)).entity as AppObj;
  const put = await c.request('PUT', `/applications/${id}`, { ...app, design: { vms: [sampleVm(1), sampleVm(2)] } });
  ok(put);
  assert.equal((put.entity as AppObj).designDiffersFromDeployment, true);
  refused(await c.request('POST', `/applications/${id}/publishUpdates?startAllDraftVms=maybe`), 400, 'INVALID_ARGUMENT');
  const upd = await c.request('POST', `/applications/${id}/publishUpdates?startAllDraftVms=false`);
  ok(upd);
  assert.equal(upd.headers.get('content-location'), `/api/v1/applications/${id}`);
  assert.equal((upd.entity as AppObj).designDiffersFromDeployment, false);
  await waitFor(c, id, ['100:STARTED', '200:STOPPED']);

  for (const action of ['repair', 'resetDisks']) refused(await c.request('POST', `/applications/${id}/vms/100/${action}`), 409, 'ILLEGAL_STATE');
  ok(await c.request('POST', `/applications/${id}/vms/100/redeploy`));
  await waitFor(c, id, ['100:STARTED', '200:STOPPED']);
  const running = [...t.h.sim.hosts.values()].flatMap((x) => x.hv.list()).filter((v) => v.spec.id === `a${id}-100`);
  assert.deepEqual(running.map((v) => v.state), ['running'], 'the redeployed VM runs, on one host only');
  refused(await c.request('POST', `/applications/${id}/vms/repair`, { ids: [200] }), 409, 'ILLEGAL_STATE');
  ok(await c.request('POST', `/applications/${id}/vms/200/resetDisks`));
  ok(await c.request('POST', `/applications/${id}/vms/redeploy`, { ids: [200] }));
  await waitFor(c, id, ['100:STARTED', '200:STOPPED']);
  ok(await c.request('POST', `/applications/${id}/vms/start`, { ids: [200] }));
  await waitFor(c, id, ['100:STARTED', '200:STARTED']);

  ok(await c.request('DELETE', `/applications/${id}`), 204);
  refused(await c.request('GET', `/applications/${id}`), 404, 'NOT_FOUND');
  await t.h.tc.until(() => [...t.h.sim.hosts.values()].every((x) => x.hv.list().length === 0));
});

test('fqdn;deployment and publicIps;deployment of an exposed VM; 404 for a VM with nothing external', async () => {
  const c = t.client();
  ok(await c.login('acme/root', 'root-password'));
  const web = sampleVm(1, { suppliedServices: [{ name: 'web', portRange: '443', protocol: 'HTTPS', external: true }] });
  const made = await c.request('POST', '/applications', { name: 'exposed', design: { vms: [web, sampleVm(2)] } });
  ok(made, 201);
  const id = (made.entity as AppObj).id;
  ok(await c.request('POST', `/applications/${id}/publish`, { optimizationLevel: 'COST_OPTIMIZED', startAllVms: false }));
  const fqdn = await c.request('GET', `/applications/${id}/vms/100/fqdn;deployment`);
  ok(fqdn);
  assert.equal(fqdn.headers.get('content-type'), 'application/json');
  assert.match((fqdn.entity as { value: string }).value, new RegExp(`^vm1-${id}-`));
  const ips = await c.request('GET', `/applications/${id}/vms/100/publicIps;deployment`);
  ok(ips);
  const body = ips.entity as { ips: string[]; services: { publicPort: number; publicIp: string }[] };
  assert.equal(body.ips.length, 1);
  assert.deepEqual(body.services.map((s) => [s.publicIp, s.publicPort]), [[body.ips[0], 443]]);
  refused(await c.request('GET', `/applications/${id}/vms/200/fqdn;deployment`), 404, 'NOT_FOUND');
  refused(await c.request('GET', `/applications/${id}/vms/200/publicIps;deployment`), 404, 'NOT_FOUND');
  ok(await c.request('DELETE', `/applications/${id}`), 204);
});

test('tasks: POST answers 201 with a Location, GET, PUT, DELETE; a bad cron expression is 400', async () => {
  const c = t.client();
  ok(await c.login('acme/root', 'root-password'));
  const made = await c.request('POST', '/applications', { name: 'scheduled', design: { vms: [sampleVm(1)] } });
  const id = (made.entity as AppObj).id;
  const start = t.h.tc.clock.now() + 3_600_000;
  const r = await c.request('POST', `/applications/${id}/tasks`, { action: 'STOP', scheduleInfo: { start } });
  ok(r, 201);
  assert.equal(r.headers.get('location'), `/api/v1/applications/${id}/tasks/1`);
  assert.deepEqual(r.entity, { id: 1, action: 'STOP', scheduleInfo: { start }, href: `/applications/${id}/tasks/1` }, 'href: the test client derives it from Location, as the SDK does');
  refused(await c.request('POST', `/applications/${id}/tasks`, { action: 'START', scheduleInfo: { cronExpression: '61 * * * *' } }), 400, 'INVALID_ARGUMENT');
  const put = await c.request('PUT', `/applications/${id}/tasks/1`, { id: 1, action: 'START', scheduleInfo: { cronExpression: '0 8 * * 1-5' } });
  ok(put);
  assert.deepEqual((await c.request('GET', `/applications/${id}/tasks`)).entity, [{ id: 1, action: 'START', scheduleInfo: { cronExpression: '0 8 * * 1-5' } }]);
  ok(await c.request('DELETE', `/applications/${id}/tasks/1`), 204);
  refused(await c.request('GET', `/applications/${id}/tasks/1`), 404, 'NOT_FOUND');
});

test('GET /billing: lines as JSON; a month without a year is 400', async () => {
  const c = t.client();
  ok(await c.login('acme/root', 'root-password'));
  const r = await c.request('GET', '/billing');
  ok(r);
  assert.equal(r.headers.get('content-type'), 'application/json');
  const lines = r.entity as { applicationId: number; vmId: string; micros: number; month: string }[];
  assert.ok(lines.length > 0 && lines.every((l) => l.micros >= 0), 'the VMs started above are billed');
  const [year, month] = (lines[0]?.month ?? '').split('-');
  const one = await c.request('GET', `/billing?year=${year}&month=${Number(month)}`);
  ok(one);
  assert.deepEqual(one.entity, lines.filter((l) => l.month === lines[0]?.month));
  refused(await c.request('GET', '/billing?month=3'), 400, 'INVALID_ARGUMENT');
});
