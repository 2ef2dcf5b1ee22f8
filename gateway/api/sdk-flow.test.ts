/**
 * The calls the reference client makes, over real HTTP against the control plane: Basic
 * login then the cookie, key pairs, an application whose design ids need more than a double,
 * and the same calls with an ephemeral token instead of a session.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { operator } from '../../control/testing/control-harness.ts';
import { sampleImage, sampleVm } from '../../domain/test-fixtures.ts';
import { ApiTestGateway, type ApiAnswer, type ApiClient } from './api-test-gateway.ts';

interface Obj { id: number; href?: string; name: string }
interface AppObj extends Obj { published: boolean; design: { vms: { id: number | bigint; baseVmId?: number; hardDrives?: { id: number | bigint }[] }[] }; deployment?: unknown }
interface KeyPairObj extends Obj { publicKey?: string; privateKey?: string; deleted?: boolean }

const BIG = 2n ** 63n;
const ODD = 9007199254740993n; // 2^53 + 1: the first integer a double cannot hold

let t: ApiTestGateway;
let orgId: number;
let imageId: number;
before(async () => {
  t = await ApiTestGateway.start();
  orgId = (await t.tenant('acme')).id;
  const { id: _id, ...stub } = sampleImage();
  imageId = (await t.run(t.h.control.addLibraryImage(operator, orgId, stub))).id;
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
