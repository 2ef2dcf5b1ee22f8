/**
 * The library over real HTTP as the reference client calls it: disk images (list, get, rename,
 * documentation, delete), a blueprint saved from an application (`loadingStatus` SAVING then
 * DONE, reloaded every 5 s as the SDK waits), an application made from it with
 * `baseBlueprintId`, a VM saved as a library VM; another tenant gets 404 for each of them and
 * changes nothing; bad bodies answer 400.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { operator } from '../../control/testing/control-harness.ts';
import type { Organization } from '../../domain/schemas/index.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import { ApiTestGateway, type ApiAnswer, type ApiClient } from './api-test-gateway.ts';

let t: ApiTestGateway;
let acme: Organization;
let diskId: number;
before(async () => {
  t = await ApiTestGateway.start({ images: true });
  acme = await t.tenant('acme');
  await t.tenant('rival');
  const images = t.h.images!;
  const made = await t.run(images.create(String(acme.id), { name: 'base', purpose: 'image', virtualSize: 2 * 1024 * 1024 }));
  diskId = (await t.run(t.h.control.registerDiskImage(operator, acme.id, made.id, 'ubuntu.raw'))).id;
});
after(() => t.stop());

function ok(r: ApiAnswer, status = 200): void {
  assert.equal(r.status, status, r.text);
  if (status !== 204) assert.equal(r.headers.get('content-type'), 'application/json');
}

async function loggedIn(tenant: string): Promise<ApiClient> {
  const c = t.client();
  ok(await c.login(`${tenant}/root`, 'root-password'));
  return c;
}

/** Reloads every 5 seconds of clock time until `loadingStatus` leaves SAVING, as the SDK waits. */
async function waitDone(c: ApiClient, path: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 24; i++) {
    const r = await c.request('GET', path);
    ok(r);
    const e = r.entity as { loadingStatus: string };
    if (e.loadingStatus !== 'SAVING') return e;
    await t.run(t.h.tc.clock.advance(5000));
  }
  throw new Error(`${path} still SAVING`);
}

test('disk images: list, get with its store fields, rename, documentation, and 404 for another tenant', async () => {
  const a = await loggedIn('acme');
  const list = await a.request('GET', '/diskImages');
  ok(list);
  assert.deepEqual((list.entity as Array<{ id: number }>).map((d) => d.id), [diskId]);
  const one = await a.request('GET', `/diskImages/${diskId}`);
  ok(one);
  const d = one.entity as { name: string; virtualSize: number; format: string; href: string };
  assert.equal(d.name, 'ubuntu.raw');
  assert.equal(d.virtualSize, 2 * 1024 * 1024);
  assert.equal(d.href, `/diskImages/${diskId}`);
  // The SDK PUTs back the whole object it read: only name and description are taken.
  ok(await a.request('PUT', `/diskImages/${diskId}`, { ...d, name: 'ubuntu 24.04', virtualSize: 1 }));
  assert.equal(((await a.request('GET', `/diskImages/${diskId}`)).entity as { virtualSize: number; name: string }).virtualSize, 2 * 1024 * 1024);
  ok(await a.request('PUT', `/diskImages/${diskId}/documentation`, { content: 'boot with console=ttyS0' }));
  assert.equal(((await a.request('GET', `/diskImages/${diskId}/documentation`)).entity as { content: string }).content, 'boot with console=ttyS0');

  const b = await loggedIn('rival');
  ok(await b.request('GET', '/diskImages'));
  assert.deepEqual((await b.request('GET', '/diskImages')).entity, []);
  for (const [method, path, body] of [
    ['GET', `/diskImages/${diskId}`, undefined],
    ['PUT', `/diskImages/${diskId}`, { name: 'mine' }],
    ['DELETE', `/diskImages/${diskId}`, undefined],
    ['GET', `/diskImages/${diskId}/documentation`, undefined],
    ['PUT', `/diskImages/${diskId}/documentation`, { content: 'mine' }],
  ] as const) {
    assert.equal((await b.request(method, path, body)).status, 404, `${method} ${path}`);
  }
  const after = (await a.request('GET', `/diskImages/${diskId}`)).entity as { name: string };
  assert.equal(after.name, 'ubuntu 24.04', 'nothing changed');
  assert.equal(((await a.request('GET', `/diskImages/${diskId}/documentation`)).entity as { content: string }).content, 'boot with console=ttyS0');
});

test('a blueprint saved from an application is SAVING then DONE; an application made from it; 404 for another tenant', async () => {
  const a = await loggedIn('acme');
  const vm = sampleVm(1, { hardDrives: [{ id: 101, type: 'DISK', size: { unit: 'MB', value: 2 }, boot: true, baseDiskImageId: diskId }] });
  const app = await a.request('POST', '/applications', { name: 'web', design: { vms: [vm, sampleVm(2)] } });
  ok(app, 201);
  const appId = (app.entity as { id: number }).id;
  const saving = await a.request('POST', '/blueprints', { applicationId: appId, blueprintName: 'web v1', description: 'golden', offline: true });
  ok(saving, 201);
  const bp = saving.entity as { id: number; loadingStatus: string; href: string };
  assert.equal(bp.loadingStatus, 'SAVING');
  assert.equal(bp.href, `/blueprints/${bp.id}`);
  const done = await waitDone(a, `/blueprints/${bp.id}`);
  assert.equal(done['loadingStatus'], 'DONE');
  ok(await a.request('PUT', `/blueprints/${bp.id}/documentation`, { content: 'made before the upgrade' }));

  const copy = await a.request('POST', '/applications', { name: 'web copy', baseBlueprintId: bp.id });
  ok(copy, 201);
  const design = (copy.entity as { design: { vms: Array<{ hardDrives: Array<{ baseDiskImageId?: number }> }> } }).design;
  assert.deepEqual(design.vms.map((v) => v.hardDrives[0]?.baseDiskImageId), (done['design'] as typeof design).vms.map((v) => v.hardDrives[0]?.baseDiskImageId));

  const b = await loggedIn('rival');
  assert.equal((await b.request('GET', `/blueprints/${bp.id}`)).status, 404);
  assert.equal((await b.request('DELETE', `/blueprints/${bp.id}`)).status, 404);
  assert.equal((await b.request('GET', `/blueprints/${bp.id}/documentation`)).status, 404);
  assert.equal((await b.request('POST', '/applications', { name: 'stolen', baseBlueprintId: bp.id })).status, 404);
  assert.equal((await b.request('POST', '/blueprints', { applicationId: appId, blueprintName: 'stolen' })).status, 404);
  assert.deepEqual((await b.request('GET', '/blueprints')).entity, []);
  assert.equal((await a.request('GET', `/blueprints/${bp.id}`)).status, 200, 'still there for its owner');

  assert.equal((await a.request('DELETE', `/blueprints/${bp.id}`)).status, 204);
  assert.equal((await a.request('GET', `/blueprints/${bp.id}`)).status, 404);
});

test('a VM saved as a library VM, renamed, used in a design, deleted; another tenant gets 404', async () => {
  const a = await loggedIn('acme');
  const vm = sampleVm(3, { hardDrives: [{ id: 301, type: 'DISK', size: { unit: 'MB', value: 2 }, boot: true, baseDiskImageId: diskId }] });
  const appId = ((await a.request('POST', '/applications', { name: 'db', design: { vms: [vm] } })).entity as { id: number }).id;
  const saving = await a.request('POST', '/images', { applicationId: appId, vmId: 300, imageName: 'postgres', offline: false });
  ok(saving, 201);
  const id = (saving.entity as { id: number }).id;
  assert.equal((await waitDone(a, `/images/${id}`))['loadingStatus'], 'DONE');
  ok(await a.request('PUT', `/images/${id}`, { name: 'postgres 16' }));
  assert.ok(((await a.request('GET', '/images')).entity as Array<{ id: number; name: string }>).some((i) => i.id === id && i.name === 'postgres 16'));
  const target = ((await a.request('POST', '/applications', { name: 'uses it' })).entity as { id: number }).id;
  ok(await a.request('POST', `/applications/${target}/vms`, { baseVmId: id }));

  const b = await loggedIn('rival');
  assert.equal((await b.request('GET', `/images/${id}`)).status, 404);
  assert.equal((await b.request('PUT', `/images/${id}`, { name: 'mine' })).status, 404);
  assert.equal((await b.request('DELETE', `/images/${id}`)).status, 404);
  assert.equal(((await a.request('GET', `/images/${id}`)).entity as { name: string }).name, 'postgres 16');
  assert.equal((await a.request('DELETE', `/images/${id}`)).status, 204);
});

test('POST /diskImages saves one disk: PARSING, then DONE', async () => {
  const a = await loggedIn('acme');
  const vm = sampleVm(4, { hardDrives: [{ id: 401, type: 'DISK', size: { unit: 'MB', value: 2 }, boot: true, baseDiskImageId: diskId }] });
  const appId = ((await a.request('POST', '/applications', { name: 'disk source', design: { vms: [vm] } })).entity as { id: number }).id;
  const r = await a.request('POST', '/diskImages', { applicationId: appId, vmId: 400, diskId: 401, diskImage: { name: 'copy' }, offline: true });
  ok(r, 201);
  const d = r.entity as { id: number; loadingStatus: string; href: string };
  assert.equal(d.loadingStatus, 'PARSING');
  assert.equal(d.href, `/diskImages/${d.id}`);
  for (let i = 0; i < 24 && ((await a.request('GET', `/diskImages/${d.id}`)).entity as { loadingStatus: string }).loadingStatus === 'PARSING'; i++) await t.run(t.h.tc.clock.advance(5000));
  assert.equal(((await a.request('GET', `/diskImages/${d.id}`)).entity as { loadingStatus: string }).loadingStatus, 'DONE');
  const b = await loggedIn('rival');
  assert.equal((await b.request('POST', '/diskImages', { applicationId: appId, vmId: 400, diskId: 401, diskImage: { name: 'stolen' } })).status, 404);
  assert.equal((await a.request('POST', '/diskImages', { applicationId: appId, vmId: 400, diskId: 401, diskImage: {} })).status, 400);
});

test('bad bodies answer 400 and save nothing', async () => {
  const a = await loggedIn('acme');
  const before = (await a.request('GET', '/blueprints')).entity;
  for (const body of [{}, { applicationId: 'x', blueprintName: 'n' }, { applicationId: 1, blueprintName: '' }, { applicationId: 1, blueprintName: 'x'.repeat(5000) }]) {
    assert.equal((await a.request('POST', '/blueprints', body)).status, 400, JSON.stringify(body).slice(0, 80));
  }
  assert.equal((await a.request('POST', '/images', { applicationId: 1, vmId: -5, imageName: 'x' })).status, 400);
  assert.equal((await a.request('PUT', `/diskImages/${diskId}`, { name: 5 })).status, 400);
  assert.equal((await a.request('PUT', `/diskImages/${diskId}/documentation`, { content: 'x'.repeat(70_000) })).status, 400);
  assert.equal((await a.request('GET', '/diskImages/abc')).status, 400);
  assert.deepEqual((await a.request('GET', '/blueprints')).entity, before);
});
