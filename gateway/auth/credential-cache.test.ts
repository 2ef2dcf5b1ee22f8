/**
 * The gateway caches resolved sessions and tokens (principal-cache.ts), yet a logout, a
 * disabled user, a role change and a deleted token take effect on the very next request. The
 * test clock never moves, so the cache's TTL never runs out here: only its invalidation can
 * make these answers change.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiTestGateway, type ApiClient } from '../api/api-test-gateway.ts';

let t: ApiTestGateway;
let admin: ApiClient;
let appId: number;
before(async () => {
  t = await ApiTestGateway.start();
  admin = await t.adminOf('acme');
  const app = await admin.request('POST', '/applications', { name: 'cached' });
  assert.equal(app.status, 201, app.text);
  appId = (app.entity as { id: number }).id;
});
after(() => t.stop());

/** A user of the tenant, logged in, whose session the gateway has already cached by reading the application. */
async function cachedUser(email: string, roles: string[] = ['USER']): Promise<{ client: ApiClient; id: number }> {
  const invited = await admin.request('POST', '/users/invite', { email, roles });
  assert.equal(invited.status, 201, invited.text);
  const id = (invited.entity as { id: number }).id;
  assert.equal((await admin.request('PUT', `/users/${id}/changepw`, { newPassword: `${email}-password` })).status, 204);
  const client = t.client();
  assert.equal((await client.login(`acme/${email}`, `${email}-password`)).status, 200);
  assert.equal((await client.request('GET', `/applications/${appId}`)).status, 200);
  assert.equal((await client.request('GET', `/applications/${appId}`)).status, 200, 'answered from the cache');
  return { client, id };
}

test('a logout refuses the session on the next request', async () => {
  const { client } = await cachedUser('bob');
  assert.equal((await client.request('POST', '/logout')).status, 204);
  assert.equal((await client.request('GET', `/applications/${appId}`)).status, 401, 'the old cookie, sent again');
});

test('a disabled user is refused on the next request', async () => {
  const { client, id } = await cachedUser('carol');
  assert.equal((await admin.request('PUT', `/users/${id}/disable`)).status, 200);
  assert.equal((await client.request('GET', `/applications/${appId}`)).status, 401);
});

test('a role taken away is gone on the next request', async () => {
  const { client, id } = await cachedUser('dave', ['USER']);
  const renamed = await client.request('PUT', `/applications/${appId}`, { name: 'renamed-by-dave' });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal((await admin.request('PUT', `/users/${id}`, { roles: ['READ_ONLY'] })).status, 200);
  const refused = await client.request('PUT', `/applications/${appId}`, { name: 'again' });
  assert.equal(refused.status, 403, refused.text);
  assert.equal((await client.request('GET', `/applications/${appId}`)).status, 200, 'reading is still allowed');
});

test('a deleted token is refused on the next request', async () => {
  const created = await admin.request('POST', '/ephemeralAccessTokens', {
    name: 'reader',
    expirationTime: t.h.tc.clock.now() + 3_600_000,
    permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }],
  });
  assert.equal(created.status, 201, created.text);
  const { id, token } = created.entity as { id: number; token: string };
  const client = t.client().useToken(token);
  assert.equal((await client.request('GET', `/applications/${appId}`)).status, 200);
  assert.equal((await client.request('GET', `/applications/${appId}`)).status, 200, 'answered from the cache');
  assert.equal((await admin.request('DELETE', `/ephemeralAccessTokens/${id}`)).status, 204);
  assert.equal((await client.request('GET', `/applications/${appId}`)).status, 401);
});
