/**
 * X-Request-Id: echoed in every answer, checked, and the idempotency key of creating calls: a
 * retry with the same id answers the first object and creates nothing; another user's same id
 * is another key.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiTestGateway } from './api-test-gateway.ts';

let t: ApiTestGateway;
let api: string;
before(async () => {
  t = await ApiTestGateway.start();
  await t.tenant('acme');
  api = `${t.gw.url}/api/v1`;
});
after(() => t.stop());

async function session(user: string, password: string): Promise<string> {
  const basic = Buffer.from(`${user}:${password}`).toString('base64');
  const r = await t.run(fetch(`${api}/login`, { method: 'POST', headers: { authorization: `Basic ${basic}` } }));
  assert.equal(r.status, 200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

async function call(cookie: string, method: string, path: string, body: unknown, requestId?: string): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { cookie, accept: 'application/json', 'content-type': 'application/json;charset=utf-8' };
  if (requestId !== undefined) headers['x-request-id'] = requestId;
  const r = await t.run(fetch(`${api}${path}`, { method, headers, body: JSON.stringify(body) }));
  const text = await t.run(r.text());
  return { status: r.status, headers: r.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

test('a creating call retried with the same X-Request-Id answers the first object and creates one', async () => {
  const root = await session('acme/root', 'root-password');
  const first = await call(root, 'POST', '/permissionsGroups', { name: 'ops', permissions: [] }, 'retry-1');
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.headers.get('x-request-id'), 'retry-1', 'echoed');
  const again = await call(root, 'POST', '/permissionsGroups', { name: 'ops', permissions: [] }, 'retry-1');
  assert.equal(again.status, 201);
  assert.equal(again.body['id'], first.body['id'], 'the same group, not a second one');
  const other = await call(root, 'POST', '/permissionsGroups', { name: 'ops-2', permissions: [] }, 'retry-2');
  assert.notEqual(other.body['id'], first.body['id']);
  const list = await t.run(fetch(`${api}/permissionsGroups`, { headers: { cookie: root, accept: 'application/json' } }));
  const groups = (await t.run(list.json())) as { name: string }[];
  assert.equal(groups.filter((g) => g.name === 'ops').length, 1);
});

test('without X-Request-Id every call creates; a bad one is 400 and creates nothing', async () => {
  const root = await session('acme/root', 'root-password');
  const a = await call(root, 'POST', '/permissionsGroups', { name: 'g', permissions: [] });
  const b = await call(root, 'POST', '/permissionsGroups', { name: 'g', permissions: [] });
  assert.equal(a.status, 201);
  assert.equal(a.headers.get('x-request-id'), null);
  assert.notEqual(a.body['id'], b.body['id']);
  const before = ((await (await t.run(fetch(`${api}/permissionsGroups`, { headers: { cookie: root } }))).json()) as unknown[]).length;
  for (const bad of ['has space', 'x'.repeat(101), 'a/b']) {
    const r = await call(root, 'POST', '/permissionsGroups', { name: 'g2', permissions: [] }, bad);
    assert.equal(r.status, 400, bad);
    assert.equal(r.headers.get('error-code'), 'INVALID_ARGUMENT');
    assert.match(String(r.body['message']), /X-Request-Id/);
  }
  const after = ((await (await t.run(fetch(`${api}/permissionsGroups`, { headers: { cookie: root } }))).json()) as unknown[]).length;
  assert.equal(after, before);
});

test('an application created twice with one X-Request-Id is one application (the CLI retries this way)', async () => {
  const root = await session('acme/root', 'root-password');
  const body = { name: 'retried', description: 'made once' };
  const first = await call(root, 'POST', '/applications', body, 'cli-app-1');
  const again = await call(root, 'POST', '/applications', body, 'cli-app-1');
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(again.body['id'], first.body['id']);
  const list = (await (await t.run(fetch(`${api}/applications`, { headers: { cookie: root } }))).json()) as { name: string }[];
  assert.equal(list.filter((a) => a.name === 'retried').length, 1);
});
