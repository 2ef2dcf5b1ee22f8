/**
 * A JSON body with invalid UTF-8 (found by test/fuzz) is refused with 400 and creates nothing,
 * instead of being decoded leniently into a name holding U+FFFD.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiTestGateway } from '../api/api-test-gateway.ts';

let t: ApiTestGateway;
before(async () => {
  t = await ApiTestGateway.start();
  await t.tenant('acme');
});
after(() => t.stop());

test('a body with invalid UTF-8 is refused with 400 and creates nothing', async () => {
  const base = `${t.gw.url}/api/v1`;
  const login = await t.run(fetch(`${base}/login`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('acme/root:root-password').toString('base64')}` } }));
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80]]) {
    const body = Buffer.concat([Buffer.from('{"name":"web'), Buffer.from(bad), Buffer.from('"}')]);
    const r = await t.run(fetch(`${base}/applications`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body }));
    await t.run(r.arrayBuffer());
    assert.equal(r.status, 400, `bytes ${bad.map((b) => b.toString(16)).join(' ')}: ${r.status}`);
  }
  const list = await t.run(fetch(`${base}/applications`, { headers: { cookie } }));
  assert.deepEqual(await t.run(list.json()), [], 'nothing was created');
});
