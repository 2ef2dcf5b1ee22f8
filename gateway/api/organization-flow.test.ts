/** The organization side over real HTTP: organization, limits, users, permission groups, elastic IPs, events. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiTestGateway, type ApiAnswer, type ApiClient } from './api-test-gateway.ts';

interface Obj { id: number; name?: string }
interface UserObj extends Obj { email: string; enabled: boolean; roles: string[] }
interface GroupObj extends Obj { userIds?: number[] }

let t: ApiTestGateway;
let c: ApiClient;
let orgId: number;
before(async () => {
  t = await ApiTestGateway.start();
  orgId = (await t.tenant('acme')).id;
  c = t.client();
  assert.equal((await c.login('acme/root', 'root-password')).status, 200);
});
after(() => t.stop());

function ok<T>(r: ApiAnswer, status = 200): T {
  assert.equal(r.status, status, r.text);
  if (status !== 204) assert.equal(r.headers.get('content-type'), 'application/json');
  return r.entity as T;
}

test('organization, limits, users: invite, edit, set a password, disable and enable, delete', async () => {
  const org = ok<Obj>(await c.request('GET', '/organization'));
  assert.equal(org.id, orgId);
  assert.equal(ok<Obj>(await c.request('PUT', `/organizations/${orgId}`, { ...org, description: 'widgets' })).name, 'acme');
  assert.equal(typeof ok<object>(await c.request('GET', '/limits')), 'object');

  const invited = ok<UserObj>(await c.request('POST', '/users/invite', { email: 'bob', name: 'Bob' }), 201);
  assert.equal(invited.email, 'bob');
  const r = await c.request('GET', '/users');
  assert.deepEqual(ok<UserObj[]>(r).map((u) => u.email).sort(), ['bob', 'root']);
  assert.equal(ok<UserObj>(await c.request('PUT', `/users/${invited.id}`, { surname: 'Builder' })).name, 'Bob');
  ok(await c.request('PUT', `/users/${invited.id}/changepw`, { newPassword: 'bobs-password' }), 204);
  const bob = t.client();
  assert.equal((await bob.login('acme/bob', 'bobs-password')).status, 200);
  assert.equal(ok<UserObj>(await c.request('PUT', `/users/${invited.id}/disable`)).enabled, false);
  assert.equal((await bob.request('GET', '/applications')).status, 401, 'a disabled user is logged out');
  assert.equal(ok<UserObj>(await c.request('PUT', `/users/${invited.id}/enable`)).enabled, true);
  ok(await c.request('DELETE', `/users/${invited.id}`), 204);
  assert.equal((await c.request('GET', `/users/${invited.id}`)).status, 404);
});

test('permission groups and their users', async () => {
  const user = ok<UserObj>(await c.request('POST', '/users/invite', { email: 'carol' }), 201);
  const r = await c.request('POST', '/permissionsGroups', {
    name: 'readers',
    permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }],
  });
  const group = ok<GroupObj>(r, 201);
  assert.equal(r.headers.get('location'), `/api/v1/permissionsGroups/${group.id}`);
  assert.deepEqual(ok<GroupObj[]>(await c.request('GET', '/permissionsGroups')).map((g) => g.id), [group.id]);
  assert.equal(ok<GroupObj>(await c.request('PUT', `/permissionsGroups/${group.id}`, { description: 'read only' })).name, 'readers');
  ok(await c.request('POST', `/permissionsGroups/${group.id}/users`, { userId: user.id }));
  assert.deepEqual(ok<UserObj[]>(await c.request('GET', `/permissionsGroups/${group.id}/users`)).map((u) => u.id), [user.id]);
  ok(await c.request('DELETE', `/permissionsGroups/${group.id}/users/${user.id}`));
  assert.deepEqual(ok<UserObj[]>(await c.request('GET', `/permissionsGroups/${group.id}/users`)), []);
  ok(await c.request('DELETE', `/permissionsGroups/${group.id}`), 204);
  assert.equal((await c.request('GET', `/permissionsGroups/${group.id}`)).status, 404);
});

test('elastic IPs: locations, allocate with Location, list, release', async () => {
  assert.deepEqual(ok<string[]>(await c.request('GET', '/elasticIps/locations')), ['us-east']);
  const r = await c.request('POST', '/elasticIps', { location: 'us-east' });
  const eip = ok<{ ip: string; location: string }>(r, 201);
  assert.equal(r.headers.get('location'), `/api/v1/elasticIps/${eip.ip}`);
  assert.deepEqual(ok<{ ip: string }[]>(await c.request('GET', '/elasticIps')).map((e) => e.ip), [eip.ip]);
  ok(await c.request('DELETE', `/elasticIps/${eip.ip}`), 204);
  assert.deepEqual(ok<unknown[]>(await c.request('GET', '/elasticIps')), []);
  assert.equal((await c.request('DELETE', `/elasticIps/${eip.ip}`)).status, 404);
});

test('events: the names, and a search over the tenant stream', async () => {
  const names = ok<string[]>(await c.request('GET', '/events'));
  assert.ok(names.includes('APPLICATION_CREATED'));
  const app = ok<Obj>(await c.request('POST', '/applications', { name: 'evented' }), 201);
  ok(await c.request('PUT', `/applications/${app.id}`, { name: 'renamed' }));
  let found: { name: string }[] = [];
  const search = async (): Promise<{ name: string }[]> =>
    ok<{ notifications: { name: string }[] }>(
      await c.request('POST', '/notifications/search', { eventNames: ['APPLICATION_CREATED', 'APPLICATION_UPDATED'], dateRange: { startTime: 0 } }),
    ).notifications;
  // The outbox drains into the stream in the background: search until both arrived.
  for (let i = 0; i < 50 && found.length < 2; i++) {
    found = await search();
    if (found.length < 2) await t.h.tc.advance(200);
  }
  assert.deepEqual(found.map((n) => n.name), ['APPLICATION_CREATED', 'APPLICATION_UPDATED']);
  const last = ok<{ notifications: unknown[] }>(await c.request('POST', '/notifications/search', { maxResults: 1 }));
  assert.equal(last.notifications.length, 1);
});
