/**
 * The calls the reference client makes, over real HTTP against the control plane on simulated
 * HVX hosts: Basic login then the cookie, key pairs, an application whose design ids need more
 * than a double, one made from a library image that is published, waited for until STARTED
 * (reloading every 5 s of clock, as the SDK's `wait_for`), stopped, started, given an
 * expiration, saved as a blueprint that a new application is made from, and deleted; the same
 * calls with an ephemeral token instead of a session; and a new login after the session expires.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { operator } from '../../control/testing/control-harness.ts';
import { sampleImage, sampleVm } from '../../domain/test-fixtures.ts';
import { ApiTestGateway, type ApiAnswer, type ApiClient } from './api-test-gateway.ts';

interface Obj { id: number; href?: string; name: string }
interface AppObj extends Obj {
  published: boolean;
  nextStopTime?: number;
  design: { vms: { id: number | bigint; baseVmId?: number; hardDrives?: { id: number | bigint }[] }[] };
  deployment?: { vms?: { state?: string }[]; totalActiveVms?: number };
}
interface KeyPairObj extends Obj { publicKey?: string; privateKey?: string; deleted?: boolean }

const BIG = 2n ** 63n;
const ODD = 9007199254740993n; // 2^53 + 1: the first integer a double cannot hold

let t: ApiTestGateway;
let orgId: number;
let imageId: number;
before(async () => {
  t = await ApiTestGateway.start({ deployment: true, images: true });
  await t.h.addHost('h1');
  await t.h.addHost('h2');
  orgId = (await t.tenant('acme')).id;
  const { id: _id, ...stub } = sampleImage();
  // Its disks without image content: the simulated hosts boot them empty.
  const hardDrives = stub.hardDrives.filter((d) => d.type === 'DISK').map(({ baseDiskImageId: _b, ...d }) => d);
  imageId = (await t.run(t.h.control.addLibraryImage(operator, orgId, { ...stub, hardDrives }))).id;
});
after(() => t.stop());

function ok(r: ApiAnswer, status = 200): void {
  assert.equal(r.status, status, r.text);
  if (status !== 204) assert.equal(r.headers.get('content-type'), 'application/json');
}

function created<T>(r: ApiAnswer, collection: string): T & Obj {
  ok(r, 201);
  const e = r.entity as T & Obj;
  assert.equal(r.headers.get('location'), `/api/v1/${collection}/${e.id}`);
  assert.equal(e.href, `/${collection}/${e.id}`);
  return e;
}

async function loggedIn(): Promise<ApiClient> {
  const c = t.client();
  const r = await c.login('acme/root', 'root-password');
  ok(r);
  assert.equal((r.entity as { email: string }).email, 'root');
  assert.match(r.headers.get('set-cookie') ?? '', /^ravel_session=/);
  return c;
}

/** Key pairs, an application from a design with big ids and from a library VM, list, filter, delete. */
async function sdkCalls(c: ApiClient, label: string): Promise<void> {
  const gen = created<KeyPairObj>(await c.request('POST', '/keypairs/generate'), 'keypairs');
  assert.ok(gen.publicKey !== undefined && gen.privateKey !== undefined, 'generate answers both keys');
  const kp = created<KeyPairObj>(await c.request('POST', '/keypairs', { name: `${label}-kp`, publicKey: gen.publicKey }), 'keypairs');
  assert.equal(kp.publicKey, undefined, 'create answers without keys');
  assert.equal(kp.privateKey, undefined);
  const listed = (await c.request('GET', '/keypairs')).entity as KeyPairObj[];
  assert.ok(listed.some((k) => k.id === kp.id) && listed.some((k) => k.id === gen.id));
  const renamed = await c.request('PUT', `/keypairs/${kp.id}`, { ...kp, name: `${label}-renamed` });
  ok(renamed);
  assert.equal((renamed.entity as KeyPairObj).name, `${label}-renamed`);
  ok(await c.request('DELETE', `/keypairs/${gen.id}`), 204);
  assert.equal(((await c.request('GET', `/keypairs/${gen.id}`)).entity as KeyPairObj).deleted, true);

  const vm = sampleVm(1, { id: BIG });
  const design = { vms: [{ ...vm, hardDrives: (vm.hardDrives ?? []).map((d) => ({ ...d, id: ODD })) }] };
  const app = created<AppObj>(await c.request('POST', '/applications', { name: `${label}-db`, description: 'database', design }), 'applications');
  for (const path of [`/applications/${app.id}`, `/applications/${app.id};design`]) {
    const r = await c.request('GET', path);
    ok(r);
    assert.ok(r.text.includes('"id":9223372036854775808'), 'written as an exact integer literal');
    assert.ok(r.text.includes('"id":9007199254740993'));
    const back = r.entity as AppObj;
    assert.equal(back.design.vms[0]?.id, BIG);
    assert.equal(back.design.vms[0]?.hardDrives?.[0]?.id, ODD);
    assert.equal(back.published, false);
  }
  const props = await c.request('GET', `/applications/${app.id};properties`);
  ok(props);
  assert.equal((props.entity as Partial<AppObj>).design, undefined);
  assert.equal((props.entity as AppObj).name, `${label}-db`);

  // The SDK's update: read, edit client-side, PUT the whole object back (href, published and all).
  const read = (await c.request('GET', `/applications/${app.id}`)).entity as AppObj;
  const put = await c.request('PUT', `/applications/${app.id}`, { ...read, name: `${label}-db2` });
  ok(put);
  assert.equal((put.entity as AppObj).name, `${label}-db2`);
  assert.equal((put.entity as AppObj).design.vms[0]?.id, BIG, 'the big id survives a PUT round trip');

  const empty = created<AppObj>(await c.request('POST', '/applications', { name: `${label}-web` }), 'applications');
  const withVm = await c.request('POST', `/applications/${empty.id}/vms`, { baseVmId: imageId });
  ok(withVm);
  assert.equal((withVm.entity as AppObj).design.vms[0]?.baseVmId, imageId);
  assert.equal((withVm.entity as AppObj).href, `/applications/${empty.id}`);

  const apps = (await c.request('GET', '/applications')).entity as AppObj[];
  assert.deepEqual(apps.filter((a) => a.name.startsWith(label)).map((a) => a.name).sort(), [`${label}-db2`, `${label}-web`]);
  const found = await c.request('POST', '/applications/filter', {
    type: 'COMPLEX', operator: 'And', criteria: [{ type: 'SIMPLE', operator: 'Equals', propertyName: 'name', operand: `${label}-web` }],
  });
  ok(found);
  assert.deepEqual((found.entity as AppObj[]).map((a) => a.id), [empty.id]);

  ok(await c.request('DELETE', `/applications/${app.id}`), 204);
  const gone = await c.request('GET', `/applications/${app.id}`);
  assert.equal(gone.status, 404);

  await deploymentCalls(c, empty.id);
}

/** The SDK's `wait_for`: reload the application every 5 seconds until every VM is in `state`. */
async function waitFor(c: ApiClient, id: number, state: string): Promise<AppObj> {
  for (let reload = 0; reload < 24; reload++) {
    const r = await c.request('GET', `/applications/${id}`);
    ok(r);
    const app = r.entity as AppObj;
    const vms = app.deployment?.vms ?? [];
    if (vms.length > 0 && vms.every((v) => v.state === state)) return app;
    await t.h.tc.advance(5000);
  }
  return assert.fail(`application ${id} did not reach ${state} in 24 reloads`);
}

/**
 * Publish the application made from the library image, wait, stop, start, expire; save it as a
 * blueprint (waiting for DONE as the SDK does), create an application from the blueprint, and
 * delete all of it.
 */
async function deploymentCalls(c: ApiClient, id: number): Promise<void> {
  const pub = await c.request('POST', `/applications/${id}/publish`, { optimizationLevel: 'COST_OPTIMIZED' });
  ok(pub);
  assert.equal((pub.entity as AppObj).published, true);
  assert.equal((pub.entity as AppObj).href, `/applications/${id}`);
  assert.equal((await waitFor(c, id, 'STARTED')).deployment?.totalActiveVms, 1);
  ok(await c.request('POST', `/applications/${id}/stop`));
  assert.equal((await waitFor(c, id, 'STOPPED')).deployment?.totalActiveVms, 0);
  ok(await c.request('POST', `/applications/${id}/start`));
  await waitFor(c, id, 'STARTED');
  const exp = await c.request('POST', `/applications/${id}/setExpiration`, { expirationFromNowSeconds: 3600 });
  ok(exp);
  const stopAt = (exp.entity as AppObj).nextStopTime;
  assert.ok(stopAt !== undefined && Math.abs(stopAt - (t.h.tc.clock.now() + 3_600_000)) < 5000, `nextStopTime ${String(stopAt)}`);
  ok(await c.request('POST', `/applications/${id}/stop`));
  await waitFor(c, id, 'STOPPED');

  const saving = await c.request('POST', '/blueprints', { applicationId: id, blueprintName: `bp-${id}`, description: 'from the SDK flow', offline: true });
  assert.ok(saving.status === 200 || saving.status === 201, saving.text);
  const bp = saving.entity as Obj & { loadingStatus: string };
  assert.equal(bp.href, `/blueprints/${bp.id}`);
  let loading = bp.loadingStatus;
  for (let reload = 0; loading === 'SAVING' && reload < 24; reload++) {
    await t.h.tc.advance(5000);
    loading = ((await c.request('GET', `/blueprints/${bp.id}`)).entity as { loadingStatus: string }).loadingStatus;
  }
  assert.equal(loading, 'DONE');
  const fromBp = created<AppObj>(await c.request('POST', '/applications', { name: `from-bp-${id}`, baseBlueprintId: bp.id }), 'applications');
  assert.equal(fromBp.design.vms.length, 1, 'the blueprint’s VM');
  ok(await c.request('DELETE', `/applications/${fromBp.id}`), 204);
  ok(await c.request('DELETE', `/blueprints/${bp.id}`), 204);
  ok(await c.request('DELETE', `/applications/${id}`), 204);
  assert.equal((await c.request('GET', `/applications/${id}`)).status, 404, 'the SDK turns this into None');
}

test('the SDK calls with a session: Basic login then the cookie', async () => {
  const c = await loggedIn();
  await sdkCalls(c, 'session');
  ok(await c.request('POST', '/logout'), 204);
});

test('a wrong password is 401 on /login; no credentials is 401 elsewhere', async () => {
  const c = t.client();
  const r = await c.login('acme/root', 'wrong-password');
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('error-code'), 'UNAUTHENTICATED');
  assert.equal((await c.request('GET', '/applications')).status, 401);
});

test('the same calls with X-Ephemeral-Token-Authorization', async () => {
  const admin = await loggedIn();
  const all = ['READ', 'CREATE', 'UPDATE', 'DELETE', 'EXECUTE'];
  const tok = created<Obj & { token: string }>(
    await admin.request('POST', '/ephemeralAccessTokens', {
      name: 'ci',
      expirationTime: t.h.tc.clock.now() + 3_600_000,
      permissions: [
        { actions: all, resourceType: 'APPLICATION' },
        { actions: all, resourceType: 'KEY_PAIR' },
        { actions: all, resourceType: 'BLUEPRINT' },
        { actions: ['READ'], resourceType: 'IMAGE' },
      ],
    }),
    'ephemeralAccessTokens',
  );
  assert.ok(tok.token.length > 0);
  const read = await admin.request('GET', `/ephemeralAccessTokens/${tok.id}`);
  ok(read);
  assert.equal((read.entity as { token?: string }).token, undefined, 'the value is answered once');
  const c = t.client().useToken(tok.token);
  await sdkCalls(c, 'token');

  const ro = created<Obj & { token: string }>(
    await admin.request('POST', '/ephemeralAccessTokens', {
      name: 'ro', expirationTime: t.h.tc.clock.now() + 3_600_000, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }],
    }),
    'ephemeralAccessTokens',
  );
  const roClient = t.client().useToken(ro.token);
  ok(await roClient.request('GET', '/applications'));
  const denied = await roClient.request('POST', '/applications', { name: 'nope' });
  assert.equal(denied.status, 403);
  assert.equal(denied.headers.get('error-code'), 'PERMISSION_DENIED');
  assert.equal((await roClient.request('GET', '/keypairs')).status, 404, 'outside its scope things look missing');

  const edited = await admin.request('PUT', `/ephemeralAccessTokens/${ro.id}`, { name: 'read-only' });
  ok(edited);
  assert.equal((edited.entity as Obj).name, 'read-only');
  // Re-scoped over REST: the same token may now create applications.
  const rescoped = await admin.request('PUT', `/ephemeralAccessTokens/${ro.id}`, { permissions: [{ actions: ['READ', 'CREATE'], resourceType: 'APPLICATION' }] });
  ok(rescoped);
  ok(await roClient.request('POST', '/applications', { name: 'made-by-token' }), 201);
  assert.equal((await admin.request('PUT', `/ephemeralAccessTokens/${ro.id}`, { permissions: [] })).status, 400, 'a token of no permission');
  ok(await admin.request('DELETE', `/ephemeralAccessTokens/${ro.id}`), 204);
  assert.equal((await admin.request('GET', `/ephemeralAccessTokens/${ro.id}`)).status, 404);
  assert.equal((await roClient.request('GET', '/applications')).status, 401, 'a deleted token no longer works');
  const tokens = (await admin.request('GET', '/ephemeralAccessTokens')).entity as Obj[];
  assert.deepEqual(tokens.map((x) => x.id), [tok.id]);
});

test('openapi.json describes the API routes, aspects included', async () => {
  const r = await t.client().request('GET', '/openapi.json');
  ok(r);
  const paths = Object.keys((r.entity as { paths: Record<string, unknown> }).paths);
  for (const p of ['/applications', '/applications/{id};design', '/keypairs/generate', '/elasticIps/{ip}', '/notifications/search'])
    assert.ok(paths.some((x) => x.endsWith(p)), `${p} in ${paths.join(' ')}`);
});

test('after the session expires the client gets 401, logs in again and goes on', async () => {
  const c = await loggedIn();
  ok(await c.request('GET', '/applications'));
  await t.h.tc.clock.advance(13 * 3600 * 1000);
  const expired = await c.request('GET', '/applications');
  assert.equal(expired.status, 401);
  assert.equal(expired.headers.get('error-code'), 'UNAUTHENTICATED');
  ok(await c.login('acme/root', 'root-password'));
  ok(await c.request('GET', '/applications'));
});
