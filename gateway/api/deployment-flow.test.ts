/**
 * The reference client's deployment flow over real HTTP, on simulated HVX hosts: create an
 * application with a design, publish, wait for every VM to be STARTED by reloading the
 * application every 5 seconds (as the SDK's `wait_for` does, on the ManualClock), stop, start,
 * set an expiration and let it stop the application; a refused action answers 409 and changes
 * nothing; another tenant gets 404 for everything.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { REGION } from '../../control/testing/control-harness.ts';
import type { VmState } from '../../domain/schemas/index.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import { ApiTestGateway, type ApiAnswer, type ApiClient } from './api-test-gateway.ts';

interface VmObj { id: number | bigint; name: string; state?: VmState }
interface AppObj {
  id: number;
  href?: string;
  published: boolean;
  nextStopTime?: number;
  design?: { vms: VmObj[] };
  deployment?: { vms: VmObj[]; regionName: string; optimizationLevel: string; totalActiveVms: number };
}

const BIG = 2n ** 63n;
/** The SDK's `wait_for` reloads every 5 seconds. */
const RELOAD_MS = 5000;

let t: ApiTestGateway;
before(async () => {
  t = await ApiTestGateway.start({ deployment: true });
  await t.h.addHost('h1');
  await t.h.addHost('h2');
  await t.tenant('acme');
  await t.tenant('rival');
});
after(() => t.stop());

function ok(r: ApiAnswer, status = 200): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers.get('content-type'), 'application/json');
}

function refused(r: ApiAnswer, status: number, code: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers.get('error-code'), code);
  assert.equal((r.entity as { code: string }).code, code);
}

async function loggedIn(tenant: string): Promise<ApiClient> {
  const c = t.client();
  ok(await c.login(`${tenant}/root`, 'root-password'));
  return c;
}

function states(app: AppObj): VmState[] {
  return (app.deployment?.vms ?? []).map((v) => v.state ?? 'ERROR');
}

/** Reloads `GET /applications/{id}` every 5 seconds of clock time until `cond` holds. */
async function waitFor(c: ApiClient, id: number, cond: (a: AppObj) => boolean, maxReloads = 24): Promise<AppObj> {
  for (let i = 0; i < maxReloads; i++) {
    const r = await c.request('GET', `/applications/${id}`);
    ok(r);
    const app = r.entity as AppObj;
    if (cond(app)) return app;
    await t.h.tc.advance(RELOAD_MS);
  }
  assert.fail(`application ${id} did not get there in ${maxReloads} reloads`);
}

const all = (s: VmState) => (a: AppObj): boolean => states(a).length > 0 && states(a).every((x) => x === s);

async function createApp(c: ApiClient, name: string): Promise<AppObj> {
  const design = { vms: [sampleVm(1, { id: BIG }), sampleVm(2)] };
  const r = await c.request('POST', '/applications', { name, design });
  ok(r, 201);
  return r.entity as AppObj;
}

test('create, publish, wait for STARTED, stop, start, expire: the calls the SDK makes', async () => {
  const c = await loggedIn('acme');
  const app = await createApp(c, 'web');
  ok(await c.request('GET', `/applications/${app.id}/isPublished`));
  assert.deepEqual((await c.request('GET', `/applications/${app.id}/isPublished`)).entity, { value: false });
  assert.deepEqual((await c.request('GET', `/applications/${app.id}/publishLocations`)).entity, []);

  // A region named with COST_OPTIMIZED: the region wins.
  const pub = await c.request('POST', `/applications/${app.id}/publish`, { preferredRegion: REGION, optimizationLevel: 'COST_OPTIMIZED' });
  ok(pub);
  const published = pub.entity as AppObj;
  assert.equal(published.href, `/applications/${app.id}`);
  assert.equal(published.published, true);
  assert.equal(published.deployment?.optimizationLevel, 'PERFORMANCE_OPTIMIZED');
  assert.deepEqual(states(published), ['PUBLISHING', 'PUBLISHING']);
  refused(await c.request('POST', `/applications/${app.id}/publish`, { optimizationLevel: 'COST_OPTIMIZED' }), 409, 'ILLEGAL_STATE');

  const started = await waitFor(c, app.id, all('STARTED'));
  assert.equal(started.deployment?.totalActiveVms, 2);
  assert.deepEqual((await c.request('GET', `/applications/${app.id}/isPublished`)).entity, { value: true });
  assert.deepEqual((await c.request('GET', `/applications/${app.id}/publishLocations`)).entity, [{ regionName: REGION }]);

  const dep = await c.request('GET', `/applications/${app.id};deployment`);
  ok(dep);
  assert.equal((dep.entity as AppObj).design, undefined, 'the deployment aspect has no design');
  assert.ok(dep.text.includes('"id":9223372036854775808'), 'the big VM id written exactly');
  const vms = await c.request('GET', `/applications/${app.id};deployment/vms`);
  ok(vms);
  assert.deepEqual((vms.entity as VmObj[]).map((v) => [v.id, v.state]), [[BIG, 'STARTED'], [200, 'STARTED']]);
  assert.deepEqual(((await c.request('GET', `/applications/${app.id};design/vms`)).entity as VmObj[]).map((v) => v.id), [BIG, 200]);
  for (const path of [`/applications/${app.id};deployment/vms/${BIG}`, `/applications/${app.id};design/vms/${BIG}`, `/applications/${app.id}/vms/${BIG}`]) {
    const one = await c.request('GET', path);
    ok(one);
    assert.equal((one.entity as VmObj).id, BIG, path);
  }
  assert.equal((await c.request('GET', `/applications/${app.id};deployment/vms/${BIG + 1n}`)).status, 400, 'past 2^63');
  assert.equal((await c.request('GET', `/applications/${app.id};deployment/vms/${BIG - 1n}`)).status, 404);
  const state = await c.request('GET', `/applications/${app.id}/vms/${BIG}/state;deployment`);
  ok(state);
  assert.equal(state.entity, 'STARTED');

  const stopping = await c.request('POST', `/applications/${app.id}/stop`);
  ok(stopping);
  assert.deepEqual(states(stopping.entity as AppObj), ['STOPPING', 'STOPPING']);
  assert.equal((await waitFor(c, app.id, all('STOPPED'))).deployment?.totalActiveVms, 0);

  ok(await c.request('POST', `/applications/${app.id}/start`, {}));
  await waitFor(c, app.id, all('STARTED'));

  const exp = await c.request('POST', `/applications/${app.id}/setExpiration`, { expirationFromNowSeconds: 600 });
  ok(exp);
  const stopAt = (exp.entity as AppObj).nextStopTime;
  assert.ok(stopAt !== undefined && Math.abs(stopAt - (t.h.tc.clock.now() + 600_000)) < 5_000, `nextStopTime ${String(stopAt)}`);
  const listed = (await c.request('GET', '/applications')).entity as AppObj[];
  assert.equal(listed.find((a) => a.id === app.id)?.nextStopTime, stopAt);
  ok(await c.request('POST', `/applications/${app.id}/setExpiration`, { expirationFromNowSeconds: -1 }));
  assert.equal(((await c.request('GET', `/applications/${app.id}`)).entity as AppObj).nextStopTime, undefined, '-1: never');
  ok(await c.request('POST', `/applications/${app.id}/setExpiration`, { expirationFromNowSeconds: 60 }));
  refused(await c.request('POST', `/applications/${app.id}/setExpiration`, { expirationFromNowSeconds: -2 }), 400, 'INVALID_ARGUMENT');

  await t.h.tc.advance(60_000);
  const expired = await waitFor(c, app.id, all('STOPPED'));
  assert.equal(expired.nextStopTime, undefined, 'cleared once it has stopped the application');
});

test('one VM and several: an action the state does not allow is 409 ILLEGAL_STATE and changes nothing', async () => {
  const c = await loggedIn('acme');
  const app = await createApp(c, 'vm-actions');
  refused(await c.request('POST', `/applications/${app.id}/start`), 409, 'ILLEGAL_STATE');
  ok(await c.request('POST', `/applications/${app.id}/publish`, { optimizationLevel: 'COST_OPTIMIZED', startAllVms: false }));
  await waitFor(c, app.id, all('STOPPED'));

  refused(await c.request('POST', `/applications/${app.id}/vms/${BIG}/stop`), 409, 'ILLEGAL_STATE');
  refused(await c.request('POST', `/applications/${app.id}/restart`), 409, 'ILLEGAL_STATE');
  assert.equal((await c.request('POST', `/applications/${app.id}/vms/${BIG - 1n}/start`)).status, 404);

  const one = await c.request('POST', `/applications/${app.id}/vms/${BIG}/start`);
  ok(one);
  assert.deepEqual(states(one.entity as AppObj), ['STARTING', 'STOPPED']);
  await waitFor(c, app.id, (a) => states(a)[0] === 'STARTED');

  // VM 200 is stopped, so stopping both is refused, and the started one keeps running.
  refused(await c.request('POST', `/applications/${app.id}/vms/stop`, { ids: [BIG, 200] }), 409, 'ILLEGAL_STATE');
  await t.h.tc.advance(RELOAD_MS);
  const unchanged = await c.request('GET', `/applications/${app.id};deployment`);
  assert.deepEqual(states(unchanged.entity as AppObj), ['STARTED', 'STOPPED']);

  ok(await c.request('POST', `/applications/${app.id}/vms/start`, { ids: [200] }));
  await waitFor(c, app.id, all('STARTED'));
  ok(await c.request('POST', `/applications/${app.id}/vms/poweroff`, { ids: [BIG, 200, BIG] }));
  await waitFor(c, app.id, all('STOPPED'));
  refused(await c.request('POST', `/applications/${app.id}/vms/start`, { ids: [] }), 400, 'INVALID_ARGUMENT');
});

test("another tenant's application answers 404 to every deployment call and nothing changes", async () => {
  const acme = await loggedIn('acme');
  const app = await createApp(acme, 'private');
  const rival = await loggedIn('rival');
  const id = app.id;
  const calls: [string, string, unknown?][] = [
    ['POST', `/applications/${id}/publish`, { optimizationLevel: 'COST_OPTIMIZED' }],
    ['POST', `/applications/${id}/start`],
    ['POST', `/applications/${id}/stop`],
    ['POST', `/applications/${id}/restart`],
    ['POST', `/applications/${id}/setExpiration`, { expirationFromNowSeconds: 60 }],
    ['GET', `/applications/${id};deployment`],
    ['GET', `/applications/${id};deployment/vms`],
    ['GET', `/applications/${id};design/vms/${BIG}`],
    ['GET', `/applications/${id}/vms/${BIG}/state;deployment`],
    ['POST', `/applications/${id}/vms/${BIG}/start`],
    ['POST', `/applications/${id}/vms/start`, { ids: [BIG] }],
    ['GET', `/applications/${id}/isPublished`],
    ['GET', `/applications/${id}/publishLocations`],
  ];
  for (const [method, path, body] of calls) refused(await rival.request(method, path, body), 404, 'NOT_FOUND');
  const mine = (await acme.request('GET', `/applications/${id}`)).entity as AppObj;
  assert.equal(mine.published, false);
  assert.equal(mine.nextStopTime, undefined);
});

test('openapi.json lists the deployment routes', async () => {
  const r = await t.client().request('GET', '/openapi.json');
  ok(r);
  const paths = Object.keys((r.entity as { paths: Record<string, unknown> }).paths);
  for (const p of [
    '/applications/{id}/publish', '/applications/{id}/setExpiration', '/applications/{id};deployment',
    '/applications/{id};deployment/vms/{vm}', '/applications/{id}/vms/{vm}/poweroff', '/applications/{id}/vms/restart',
    '/applications/{id}/vms/{vm}/state;deployment', '/applications/{id}/publishLocations',
  ])
    assert.ok(paths.some((x) => x.endsWith(p)), `${p} in ${paths.join(' ')}`);
});
