/** Bad bodies and paths answer 400 with ERROR-CODE/ERROR-MESSAGE and a JSON body, and change nothing. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleVm } from '../../domain/test-fixtures.ts';
import { ApiTestGateway, type ApiAnswer, type ApiClient } from './api-test-gateway.ts';

let t: ApiTestGateway;
let c: ApiClient;
let rootId: number;
before(async () => {
  t = await ApiTestGateway.start();
  await t.tenant('acme');
  c = t.client();
  const r = await c.login('acme/root', 'root-password');
  assert.equal(r.status, 200);
  rootId = (r.entity as { id: number }).id;
});
after(() => t.stop());

function assertBad(r: ApiAnswer, what: string, field?: RegExp): void {
  assert.equal(r.status, 400, `${what}: ${r.status} ${r.text}`);
  assert.equal(r.headers.get('content-type'), 'application/json', what);
  assert.equal(r.headers.get('error-code'), 'INVALID_ARGUMENT', what);
  const body = r.entity as { code: string; message: string };
  assert.equal(body.code, 'INVALID_ARGUMENT', what);
  assert.ok(body.message.length > 0, what);
  assert.equal(r.headers.get('error-message'), body.message, what);
  if (field !== undefined) assert.match(body.message, field, what);
}

test('bad bodies and paths are 400 with the error headers, before anything is asked', async () => {
  const tooBig = sampleVm(1, { id: 2n ** 63n + 1n });
  const cases: [string, string, unknown, RegExp | undefined][] = [
    ['POST', '/applications', {}, /name/],
    ['POST', '/applications', '{"name": "web", ', undefined],
    ['POST', '/applications', '[1, 2]', undefined],
    ['POST', '/applications', { name: 'web', design: { vms: [tooBig] } }, /design\/vms\/0\/id/],
    ['POST', '/applications', { name: 'web', design: { vms: [sampleVm(1, { id: -1 })] } }, /design/],
    ['POST', '/applications', { name: 'web', design: { vms: [{ ...sampleVm(1), numCpus: 'two' }] } }, /numCpus/],
    ['POST', '/applications', { name: '' }, /name/],
    ['PUT', '/applications/1', { design: { vms: 'none' } }, /design/],
    ['GET', '/applications/abc', undefined, /id/],
    ['GET', '/applications/9007199254740993', undefined, /id/],
    ['POST', '/applications/filter', { type: 'WEIRD' }, undefined],
    ['POST', '/applications/1/vms', { baseVmId: 'seven' }, /baseVmId/],
    ['POST', '/keypairs', { name: 'k' }, /publicKey/],
    ['POST', '/keypairs', { name: 'k', publicKey: 'ssh-rsa nonsense' }, /publicKey/],
    ['POST', '/keypairs/generate', { name: 5 }, /name/],
    ['POST', '/ephemeralAccessTokens', { name: 't', expirationTime: 1, permissions: [{ actions: ['FLY'], resourceType: 'APPLICATION' }] }, /permissions/],
    ['POST', '/ephemeralAccessTokens', { name: 't', expirationTime: -5, permissions: [] }, undefined],
    ['POST', '/elasticIps', {}, /location/],
    ['DELETE', '/elasticIps/not-an-ip', undefined, /ip/],
    ['POST', '/users/invite', { email: 'a/b' }, /email/],
    ['PUT', `/users/${rootId}/changepw`, { existingPassword: 'root-password', newPassword: 'short' }, /newPassword/],
    ['POST', '/permissionsGroups', { permissions: [] }, /name/],
    ['POST', '/permissionsGroups/1/users', { userId: -1 }, /userId/],
    ['PUT', '/organizations/1', { name: 7 }, /name/],
    ['POST', '/notifications/search', { eventNames: ['NOT_AN_EVENT'] }, /eventNames/],
    ['POST', '/notifications/search', { maxResults: 0 }, /maxResults/],
  ];
  for (const [method, path, body, field] of cases) assertBad(await c.request(method, path, body), `${method} ${path}`, field);

  const apps = await c.request('GET', '/applications');
  assert.deepEqual(apps.entity, [], 'nothing was created');
  assert.deepEqual((await c.request('GET', '/keypairs')).entity, []);
  assert.deepEqual((await c.request('GET', '/ephemeralAccessTokens')).entity, []);
  assert.equal((await t.client().login('acme/root', 'root-password')).status, 200, 'the password did not change');
});

test('operator calls refuse a user session (403) and a wrong operator token (401), and create nothing', async () => {
  const body = { name: 'Intruder', admin: { email: 'x', password: 'long-enough-pw' } };
  const asUser = await c.request('POST', '/admin/organizations', body);
  assert.equal(asUser.status, 403, asUser.text);
  assert.equal(asUser.headers.get('error-code'), 'PERMISSION_DENIED');
  const stranger = t.client().useToken('rvop_not-a-token-this-gateway-knows-of-at-all-00');
  const r = await stranger.request('POST', '/admin/organizations', body);
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('error-code'), 'UNAUTHENTICATED');
  assert.equal((await t.client().login('Intruder/x', 'long-enough-pw')).status, 401, 'no such organization was made');
  assert.equal((await t.client().login('x', 'long-enough-pw')).status, 401);
});
