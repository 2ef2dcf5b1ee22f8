/** Bodies: big integers round-trip; bad JSON, bad fields, deep nesting and oversized bodies never reach a handler. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { alice } from '../test-support/fake-authenticator.ts';
import { openSocket, readUntil, statusOf } from '../test-support/raw-http.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';

let t: TestGateway;
let cookie: string;
before(async () => {
  t = await startTestGateway({ maxBodyBytes: 4096 }, { tuning: { maxJsonDepth: 16 } });
  cookie = `ravel_session=${t.auth.session(alice)}`;
});
after(() => t.stop());

const post = (
  path: string,
  body: string,
  contentType = 'application/json;charset=utf-8',
): Promise<Response> =>
  fetch(`${t.api}${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': contentType },
    body,
  });

async function refused(r: Response, status: number, code: string, message?: RegExp): Promise<void> {
  assert.equal(r.status, status);
  assert.equal(r.headers.get('error-code'), code);
  const body = (await r.json()) as { message: string };
  if (message !== undefined) assert.match(body.message, message);
}

test('2^63, 2^64-1 and 2^53+1 round-trip exactly through parse, schema and reply', async () => {
  const text =
    '{"name":"big","design":{"vms":[{"id":9223372036854775808,"name":"a"},{"id":9007199254740993,"name":"b"},{"id":12,"name":"c"}]}}';
  const r = await post('/things', text);
  assert.equal(r.status, 201);
  assert.equal(await r.text(), `{"id":7,${text.slice(1)}`);
  const echo = await post(
    '/echo',
    '{"max":18446744073709551615,"neg":-9223372036854775809,"f":0.5}',
  );
  assert.equal(
    await echo.text(),
    '{"max":18446744073709551615,"neg":-9223372036854775809,"f":0.5}',
  );
});

test('a client id above 2^63 is refused with the path of the field', async () => {
  const before = t.calls.count;
  const r = await post(
    '/things',
    '{"name":"x","design":{"vms":[{"id":1,"name":"ok"},{"id":9223372036854775809,"name":"z"}]}}',
  );
  await refused(r, 400, 'INVALID_ARGUMENT', /^body\/design\/vms\/1\/id: /);
  assert.equal(t.calls.count, before);
});

test('malformed JSON, wrong types, non-objects and deep nesting are 400 and the handler is never called', async () => {
  const before = t.calls.count;
  await refused(await post('/things', '{"name":'), 400, 'INVALID_ARGUMENT', /not valid JSON/);
  await refused(
    await post('/things', '{"name":5}'),
    400,
    'INVALID_ARGUMENT',
    /^body\/name: Expected string/,
  );
  await refused(
    await post('/things', '{"name":"x","design":{"vms":[{"id":"1","name":"a"}]}}'),
    400,
    'INVALID_ARGUMENT',
    /^body\/design\/vms\/0\/id/,
  );
  await refused(await post('/things', '[1,2]'), 400, 'INVALID_ARGUMENT', /^body: Expected object/);
  await refused(await post('/things', '"text"'), 400, 'INVALID_ARGUMENT', /^body: Expected object/);
  await refused(
    await post('/echo', `{"a":${'['.repeat(20)}${']'.repeat(20)}}`),
    400,
    'INVALID_ARGUMENT',
    /deeper than 16/,
  );
  await refused(
    await post('/things', '{"name":"x"}', 'text/plain'),
    400,
    'INVALID_ARGUMENT',
    /Content-Type/,
  );
  await refused(
    await post('/things', ''),
    400,
    'INVALID_ARGUMENT',
    /^body: Expected required property|^body\/name/,
  );
  await refused(
    await fetch(`${t.api}/things/abc`, { headers: { cookie } }),
    400,
    'INVALID_ARGUMENT',
    /^path\/id/,
  );
  await refused(await fetch(`${t.api}/slow?ms=-5`), 400, 'INVALID_ARGUMENT', /^query\/ms/);
  assert.equal(t.calls.count, before);
});

test('an action call with an empty body passes an object schema with no required fields', async () => {
  const r = await fetch(`${t.api}/things/filter`, { method: 'POST', headers: { cookie } });
  assert.deepEqual(await r.json(), { filter: null });
});

test('a declared Content-Length over the limit is 413 before any body byte is sent', async () => {
  const before = t.calls.count;
  const s = await openSocket(t.gw.port);
  s.write(
    `POST /api/v1/things HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`,
  );
  const raw = await readUntil(s, /\r\n\r\n[\s\S]*\}/);
  s.destroy();
  assert.equal(statusOf(raw), 413);
  assert.match(raw, /ERROR-CODE: PAYLOAD_TOO_LARGE/i);
  assert.equal(t.calls.count, before);
});

test('a streamed (chunked) body is 413 at the chunk that passes the limit, not at its end', async () => {
  const s = await openSocket(t.gw.port);
  s.write(
    `POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
  );
  const chunk = 'x'.repeat(3000);
  s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  // The terminating chunk is never sent: the answer must come anyway.
  const raw = await readUntil(s, /\r\n\r\n[\s\S]*\}/);
  s.destroy();
  assert.equal(statusOf(raw), 413);
});

test('a body at the limit is accepted', async () => {
  const name = 'n'.repeat(4096 - '{"name":""}'.length);
  const r = await post('/things', `{"name":"${name}"}`);
  assert.equal(r.status, 201);
  const over = await post('/things', `{"name":"${name}x"}`);
  await refused(over, 413, 'PAYLOAD_TOO_LARGE');
});
