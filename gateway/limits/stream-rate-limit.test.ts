/** The upload endpoint keeps the routes' rate limits: per principal and per address, 429 with Retry-After, nothing created. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../core/log.ts';
import { ManualClock } from '../../core/clock.ts';
import { alice, bob } from '../test-support/fake-authenticator.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';
import { createUploads } from '../uploads/uploads.ts';

/** `created` is how many uploads the test saw answered 201: the store must have been asked for exactly those. */
async function withUploads(rateLimit: { perAddress: { perSecond: number; burst: number }; perPrincipal: { perSecond: number; burst: number } }, body: (t: TestGateway) => Promise<number>): Promise<void> {
  let imported = 0;
  const u = createUploads({ clock: new ManualClock(), log: silentLogger, importer: async () => (imported++, []) });
  const t = await startTestGateway({ rateLimit: { ...rateLimit, maxBuckets: 100 } }, { streams: [u.endpoint] });
  try {
    const created = await body(t);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(imported, created, 'a refused creation made no upload');
  } finally {
    await u.close();
    await t.stop();
  }
}

const create = (t: TestGateway, who: typeof alice): Promise<Response> =>
  fetch(`${t.api}/uploads`, {
    method: 'POST',
    headers: { 'tus-resumable': '1.0.0', 'upload-length': '100', 'x-ephemeral-token-authorization': t.auth.token(who) },
  });

test('per principal: past the burst a tus creation is 429 with Retry-After and creates nothing; others are not held back', async () => {
  await withUploads({ perAddress: { perSecond: 1000, burst: 1000 }, perPrincipal: { perSecond: 0.5, burst: 2 } }, async (t) => {
    assert.equal((await create(t, alice)).status, 201);
    assert.equal((await create(t, alice)).status, 201);
    const refused = await create(t, alice);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '2');
    assert.equal(refused.headers.get('error-code'), 'RATE_LIMITED');
    assert.equal(refused.headers.get('tus-resumable'), '1.0.0');
    assert.equal(refused.headers.get('location'), null, 'no upload was made');
    assert.equal((await create(t, bob)).status, 201, 'another principal has its own bucket');
    await t.clock.advance(2000);
    assert.equal((await create(t, alice)).status, 201, 'refilled by the clock');
    return 4;
  });
});

test('per address: every request to the upload endpoint takes a token, before authentication', async () => {
  await withUploads({ perAddress: { perSecond: 0.5, burst: 2 }, perPrincipal: { perSecond: 1000, burst: 1000 } }, async (t) => {
    const options = (): Promise<Response> => fetch(`${t.api}/uploads`, { method: 'OPTIONS' });
    assert.equal((await options()).status, 204);
    assert.equal((await create(t, alice)).status, 201);
    const refused = await create(t, bob);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '2');
    assert.match(((await refused.json()) as { message: string }).message, /address/);
    const patch = await fetch(`${t.api}/uploads/nope`, {
      method: 'PATCH',
      headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: Buffer.alloc(64 * 1024, 1),
    });
    assert.equal(patch.status, 429, 'a request with a body is refused too (and its connection closed)');
    await t.clock.advance(2000);
    assert.equal((await options()).status, 204);
    return 1;
  });
});
