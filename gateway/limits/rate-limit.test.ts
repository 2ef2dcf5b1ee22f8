/** 429 with Retry-After, per client address and per principal, refilled by moving the clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alice, bob } from '../test-support/fake-authenticator.ts';
import { startTestGateway } from '../test-support/test-gateway.ts';

test('per address: the burst passes, then 429 with Retry-After until the clock refills it', async () => {
  const t = await startTestGateway({
    rateLimit: {
      perAddress: { perSecond: 0.5, burst: 3 },
      perPrincipal: { perSecond: 1000, burst: 1000 },
      maxBuckets: 100,
    },
  });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${t.api}/public`)).status);
    assert.deepEqual(statuses, [200, 200, 200]);
    const before = t.calls.count;
    const r = await fetch(`${t.api}/public`);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.equal(r.headers.get('error-code'), 'RATE_LIMITED');
    assert.equal(((await r.json()) as { code: string }).code, 'RATE_LIMITED');
    assert.equal(t.calls.count, before, 'the handler was not called');
    await t.clock.advance(2000);
    assert.equal((await fetch(`${t.api}/public`)).status, 200);
  } finally {
    await t.stop();
  }
});

test('per principal: one user is limited, another from the same address is not', async () => {
  const t = await startTestGateway({
    rateLimit: {
      perAddress: { perSecond: 1000, burst: 1000 },
      perPrincipal: { perSecond: 0.25, burst: 2 },
      maxBuckets: 100,
    },
  });
  try {
    const a = { cookie: `ravel_session=${t.auth.session(alice)}` };
    const b = { 'x-ephemeral-token-authorization': t.auth.token(bob) };
    assert.equal((await fetch(`${t.api}/things/1`, { headers: a })).status, 200);
    assert.equal((await fetch(`${t.api}/things/1`, { headers: a })).status, 200);
    const limited = await fetch(`${t.api}/things/1`, { headers: a });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '4');
    assert.equal((await fetch(`${t.api}/things/1`, { headers: b })).status, 200);
  } finally {
    await t.stop();
  }
});
