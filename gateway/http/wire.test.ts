/** The wire rules of API.md over real HTTP: content type, Location, error headers, 401/404/405. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { alice, bob, operator } from '../test-support/fake-authenticator.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';

let t: TestGateway;
let cookie: string;
before(async () => {
  t = await startTestGateway();
  cookie = `ravel_session=${t.auth.session(alice)}`;
});
after(() => t.stop());

async function assertError(
  r: Response,
  status: number,
  code: string,
): Promise<{ code: string; message: string }> {
  assert.equal(r.status, status);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('error-code'), code);
  const body = (await r.json()) as { code: string; message: string };
  assert.equal(body.code, code);
  assert.equal(r.headers.get('error-message'), body.message);
  assert.ok(body.message.length > 0);
  return body;
}

test('JSON answers carry Content-Type: application/json exactly, no charset', async () => {
  const r = await fetch(`${t.api}/things/5`, { headers: { cookie } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.deepEqual(await r.json(), { id: 5, tenant: 'org-1', via: 'session' });
});

test('a created object answers 201 with its path in Location', async () => {
  const r = await fetch(`${t.api}/things`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json;charset=utf-8' },
    body: JSON.stringify({ name: 'web' }),
  });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('location'), '/api/v1/things/7');
  assert.deepEqual(await r.json(), { id: 7, name: 'web' });
});

test('text/plain where a route answers text; query strings are coerced to their types', async () => {
  const r = await fetch(`${t.api}/things/3/vncUrl?tall=true`, { headers: { cookie } });
  assert.equal(r.headers.get('content-type'), 'text/plain');
  assert.equal(await r.text(), 'vnc://example/3?tall');
});

test('unknown routes and objects the handler cannot find are 404 with error headers and body', async () => {
  await assertError(
    await fetch(`${t.api}/nothing/here`, { headers: { cookie } }),
    404,
    'NOT_FOUND',
  );
  await assertError(await fetch(`${t.api}/things/404`, { headers: { cookie } }), 404, 'NOT_FOUND');
  await assertError(await fetch(`${t.gw.url}/not-a-console-file.js`), 404, 'NOT_FOUND');
});

test('a known path with a wrong method is 405 with Allow', async () => {
  const r = await fetch(`${t.api}/things/5`, { method: 'POST', headers: { cookie } });
  await assertError(r, 405, 'METHOD_NOT_ALLOWED');
  assert.equal(r.headers.get('allow'), 'GET, PUT, DELETE');
  const f = await fetch(`${t.api}/things/filter`, { headers: { cookie } });
  await assertError(f, 405, 'METHOD_NOT_ALLOWED');
  assert.equal(f.headers.get('allow'), 'POST', 'a literal segment is not taken for {id}');
});

test('missing, unknown and expired credentials are 401; handlers are not called', async () => {
  const before = t.calls.count;
  await assertError(await fetch(`${t.api}/things/5`), 401, 'UNAUTHENTICATED');
  await assertError(
    await fetch(`${t.api}/things/5`, { headers: { cookie: 'ravel_session=forged' } }),
    401,
    'UNAUTHENTICATED',
  );
  const expired = t.auth.session(alice);
  t.auth.sessions.delete(expired);
  await assertError(
    await fetch(`${t.api}/things/5`, { headers: { cookie: `ravel_session=${expired}` } }),
    401,
    'UNAUTHENTICATED',
  );
  await assertError(
    await fetch(`${t.api}/things/5`, {
      headers: { 'x-ephemeral-token-authorization': 'nope', cookie },
    }),
    401,
    'UNAUTHENTICATED',
  );
  assert.equal(t.calls.count, before);
});

test('a path asked again is checked again in the same order: credentials first, then its params, every time', async () => {
  const before = t.calls.count;
  for (let i = 0; i < 3; i++) {
    await assertError(await fetch(`${t.api}/things/-1`), 401, 'UNAUTHENTICATED');
    const bad = await assertError(await fetch(`${t.api}/things/-1`, { headers: { cookie } }), 400, 'INVALID_ARGUMENT');
    assert.match(bad.message, /^path\/id/);
    await assertError(await fetch(`${t.api}/things/6`), 401, 'UNAUTHENTICATED');
    const r = await fetch(`${t.api}/things/6`, { headers: { cookie } });
    assert.deepEqual(await r.json(), { id: 6, tenant: 'org-1', via: 'session' });
  }
  assert.equal(t.calls.count, before + 3, 'only the good requests reach the handler');
});

test('an ephemeral token header authenticates instead of a session', async () => {
  const token = t.auth.token(bob);
  const r = await fetch(`${t.api}/things/9`, {
    headers: { 'X-Ephemeral-Token-Authorization': token },
  });
  assert.deepEqual(await r.json(), { id: 9, tenant: 'org-2', via: 'token' });
});

test('operator routes refuse users and take operators', async () => {
  await assertError(
    await fetch(`${t.api}/admin/ping`, { headers: { cookie } }),
    403,
    'PERMISSION_DENIED',
  );
  const op = await fetch(`${t.api}/admin/ping`, {
    headers: { cookie: `ravel_session=${t.auth.session(operator)}` },
  });
  assert.deepEqual(await op.json(), { pong: true });
});

test('login with Basic sets an HttpOnly SameSite session cookie that then works; logout ends it', async () => {
  const bad = await fetch(`${t.api}/login`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` },
  });
  await assertError(bad, 401, 'UNAUTHENTICATED');
  const r = await fetch(`${t.api}/login`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('alice:alice-pw').toString('base64')}` },
  });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { name: 'alice', organization: 'org-1' });
  const setCookie = r.headers.get('set-cookie') ?? '';
  assert.match(
    setCookie,
    /^ravel_session=[^;]+; Max-Age=3600; Path=\/; HttpOnly; SameSite=Strict$/,
  );
  const session = setCookie.split(';')[0] as string;
  const me = await fetch(`${t.api}/things/1`, { headers: { cookie: `other=1; ${session}` } });
  assert.equal(me.status, 200);
  const out = await fetch(`${t.api}/logout`, { method: 'POST', headers: { cookie: session } });
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie') ?? '', /^ravel_session=; Max-Age=0/);
  await assertError(
    await fetch(`${t.api}/things/1`, { headers: { cookie: session } }),
    401,
    'UNAUTHENTICATED',
  );
});

test(';aspect matrix routes match, and client ids in paths keep all their digits', async () => {
  const d = await fetch(`${t.api}/things/4;deployment`, { headers: { cookie } });
  assert.deepEqual(await d.json(), { id: 4, aspect: 'deployment' });
  const v = await fetch(`${t.api}/things/4;design/vms/9223372036854775808`, {
    headers: { cookie },
  });
  assert.equal(await v.text(), '{"id":4,"vm":9223372036854775808,"aspect":"design"}');
  await assertError(
    await fetch(`${t.api}/things/4;bogus`, { headers: { cookie } }),
    404,
    'NOT_FOUND',
  );
});

test('a DELETE answers 204 with no body', async () => {
  const r = await fetch(`${t.api}/things/4`, { method: 'DELETE', headers: { cookie } });
  assert.equal(r.status, 204);
  assert.equal(await r.text(), '');
});

test('openapi.json describes the routes from the same table, ;aspect paths included', async () => {
  const r = await fetch(`${t.api}/openapi.json`);
  assert.equal(r.headers.get('content-type'), 'application/json');
  const doc = (await r.json()) as {
    openapi: string;
    paths: Record<
      string,
      Record<string, { requestBody?: unknown; parameters: { name: string; schema: unknown }[] }>
    >;
  };
  assert.match(doc.openapi, /^3\./);
  assert.ok(doc.paths['/things/{id};design/vms/{vm}']?.['get'] !== undefined);
  assert.ok(doc.paths['/login']?.['post'] !== undefined);
  assert.ok(doc.paths['/things']?.['post']?.requestBody !== undefined);
  const vm = doc.paths['/things/{id};design/vms/{vm}']?.['get']?.parameters.find(
    (p) => p.name === 'vm',
  );
  assert.equal(JSON.stringify(vm?.schema).includes('"format":"int64"'), true);
});

test('headers past the bound are refused whether they arrive in one read or several; a normal request still passes', async () => {
  // fetch (undici) refuses to send headers this large itself, so these go over a raw socket.
  const { connect } = await import('node:net');
  const port = Number(new URL(t.api).port);
  const exchange = (chunks: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const sock = connect(port, '127.0.0.1');
      let got = '';
      sock.on('data', (b: Buffer) => (got += b.toString('latin1')));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
      sock.setTimeout(5000, () => sock.destroy());
      void (async () => {
        for (const c of chunks) {
          sock.write(c);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
    });
  const big = `GET /api/v1/things/5 HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nX-Big: ${'a'.repeat(65_536)}\r\nConnection: close\r\n\r\n`;
  // Whole: our bound answers 431. In pieces: uWS's own (4 KiB) closes the connection unanswered first.
  assert.match(await exchange([big]), /^HTTP\/1\.1 431/);
  assert.equal(await exchange([big.slice(0, 1000), big.slice(1000)]), '');
  const ok = await exchange([`GET /api/v1/things/5 HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nX-Small: ${'a'.repeat(4000)}\r\nConnection: close\r\n\r\n`]);
  assert.match(ok, /^HTTP\/1\.1 200/, ok.slice(0, 80));
});
