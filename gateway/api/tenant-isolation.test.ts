/** Another tenant's objects answer exactly like missing ones: 404 with the error headers, never 403. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiTestGateway, type ApiAnswer, type ApiClient } from './api-test-gateway.ts';

interface Obj { id: number }

let t: ApiTestGateway;
let acme: ApiClient;
let globex: ApiClient;
before(async () => {
  t = await ApiTestGateway.start();
  await t.tenant('acme');
  await t.tenant('globex');
  acme = t.client();
  globex = t.client();
  assert.equal((await acme.login('acme/root', 'root-password')).status, 200);
  assert.equal((await globex.login('globex/root', 'root-password')).status, 200);
});
after(() => t.stop());

function idOf(r: ApiAnswer): number {
  assert.equal(r.status, 201, r.text);
  return (r.entity as Obj).id;
}

function assertMissing(r: ApiAnswer, what: string): void {
  assert.equal(r.status, 404, `${what}: ${r.text}`);
  assert.equal(r.headers.get('error-code'), 'NOT_FOUND', what);
  assert.equal(r.headers.get('content-type'), 'application/json');
}

test("a second tenant gets 404 for each of the first tenant's objects, and changes nothing", async () => {
  const gen = await acme.request('POST', '/keypairs/generate', { name: 'gen' });
  const kp = idOf(gen);
  const app = idOf(await acme.request('POST', '/applications', { name: 'secret' }));
  const user = idOf(await acme.request('POST', '/users/invite', { email: 'bob' }));
  const group = idOf(await acme.request('POST', '/permissionsGroups', { name: 'ops', permissions: [] }));
  const token = idOf(
    await acme.request('POST', '/ephemeralAccessTokens', {
      name: 't', expirationTime: t.h.tc.clock.now() + 3_600_000, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }],
    }),
  );
  const eip = await acme.request('POST', '/elasticIps', { location: 'us-east' });
  assert.equal(eip.status, 201, eip.text);
  const ip = (eip.entity as { ip: string }).ip;
  const acmeOrg = ((await acme.request('GET', '/organization')).entity as Obj).id;

  const probes: [string, string, unknown?][] = [
    ['GET', `/keypairs/${kp}`],
    ['PUT', `/keypairs/${kp}`, { name: 'mine' }],
    ['DELETE', `/keypairs/${kp}`],
    ['GET', `/applications/${app}`],
    ['GET', `/applications/${app};design`],
    ['GET', `/applications/${app};properties`],
    ['PUT', `/applications/${app}`, { name: 'mine' }],
    ['POST', `/applications/${app}/vms`, { baseVmId: 1 }],
    ['DELETE', `/applications/${app}`],
    ['GET', `/users/${user}`],
    ['PUT', `/users/${user}`, { name: 'Mallory' }],
    ['PUT', `/users/${user}/disable`],
    ['PUT', `/users/${user}/changepw`, { newPassword: 'taken-over-now' }],
    ['DELETE', `/users/${user}`],
    ['GET', `/permissionsGroups/${group}`],
    ['PUT', `/permissionsGroups/${group}`, { name: 'mine' }],
    ['GET', `/permissionsGroups/${group}/users`],
    ['DELETE', `/permissionsGroups/${group}`],
    ['GET', `/ephemeralAccessTokens/${token}`],
    ['PUT', `/ephemeralAccessTokens/${token}`, { name: 'mine' }],
    ['DELETE', `/ephemeralAccessTokens/${token}`],
    ['DELETE', `/elasticIps/${ip}`],
    ['PUT', `/organizations/${acmeOrg}`, { name: 'mine' }],
  ];
  for (const [method, path, body] of probes) assertMissing(await globex.request(method, path, body), `${method} ${path}`);

  for (const [path, n] of [['/applications', 0], ['/keypairs', 0], ['/elasticIps', 0], ['/ephemeralAccessTokens', 0], ['/permissionsGroups', 0]] as const) {
    const r = await globex.request('GET', path);
    assert.equal(r.status, 200, r.text);
    assert.equal((r.entity as unknown[]).length, n, `${path} lists nothing of acme's`);
  }
  assert.equal(((await acme.request('GET', `/applications/${app}`)).entity as { name: string }).name, 'secret');
  assert.equal(((await acme.request('GET', `/keypairs/${kp}`)).entity as { deleted?: boolean }).deleted, undefined);
  assert.equal(((await acme.request('GET', `/users/${user}`)).entity as { enabled: boolean }).enabled, true);
  assert.equal(((await acme.request('GET', '/organization')).entity as { name: string }).name, 'acme');
  assert.equal(((await acme.request('GET', '/elasticIps')).entity as unknown[]).length, 1);
});
