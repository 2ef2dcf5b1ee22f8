/**
 * The synchronous lane (RouteSpec.answerNow): a request with no body and a credential the
 * authenticator holds is answered within uWS's handler; when answerNow declines, the handler
 * answers, with the request's checks and rate token taken once; refusals answer as elsewhere.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { RavelError } from '../../core/errors.ts';
import { alice, FakeAuthenticator } from '../test-support/fake-authenticator.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';
import { defineRoute, json, type Principal } from './route.ts';
import { ServerId } from './schema-types.ts';

/** Holds sessions it can answer without an await, as the real authenticator's cache does. */
class PeekingAuthenticator extends FakeAuthenticator {
  peekSession(cookie: string): Principal | undefined {
    return this.sessions.get(cookie);
  }
}

const auth = new PeekingAuthenticator();
const calls = { now: 0, handler: 0 };
let t: TestGateway;
let api: string;

const routes = [
  defineRoute({
    method: 'GET',
    path: '/now/{id}',
    auth: 'session-or-token',
    schema: { params: Type.Object({ id: ServerId }) },
    handler: async (req) => {
      calls.handler++;
      return json({ lane: 'handler', id: req.params.id, who: req.principal?.id });
    },
    answerNow: (req) => {
      calls.now++;
      if (req.params.id === 404) throw new RavelError('NOT_FOUND', 'no such thing');
      return req.params.id === 2 ? undefined : json({ lane: 'now', id: req.params.id, who: req.principal?.id });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/operators-only',
    auth: 'operator',
    schema: {},
    handler: async () => json({ lane: 'handler' }),
    answerNow: () => json({ lane: 'now' }),
  }),
];

before(async () => {
  // Three requests per principal, none refilled while the test runs (the clock stands still).
  const rateLimit = { perPrincipal: { perSecond: 0.001, burst: 3 }, perAddress: { perSecond: 100_000, burst: 100_000 }, maxBuckets: 100 };
  t = await startTestGateway({ rateLimit }, {}, { routes, auth });
  api = t.api;
});

after(() => t.stop());

/** A fresh session for alice (its own rate bucket: principal ids are per session here). */
function cookieFor(id: string): string {
  return `ravel_session=${auth.session({ ...alice, id })}`;
}

test('a known credential is answered by answerNow, with no lookup and no handler', async () => {
  const cookie = cookieFor('now-1');
  const before = { ...calls, lookups: auth.calls };
  const r = await fetch(`${api}/now/7`, { headers: { cookie } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.deepEqual(await r.json(), { lane: 'now', id: 7, who: 'now-1' });
  assert.equal(calls.now, before.now + 1);
  assert.equal(calls.handler, before.handler);
  assert.equal(auth.calls, before.lookups, 'the credential was looked up');
});

test('when answerNow declines, the handler answers, and the principal pays one rate token per request', async () => {
  const cookie = cookieFor('now-2');
  const before = { ...calls };
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${api}/now/2`, { headers: { cookie } });
    assert.equal(r.status, 200, `request ${i + 1} of a burst of 3`);
    assert.deepEqual(await r.json(), { lane: 'handler', id: 2, who: 'now-2' });
  }
  assert.equal(calls.handler, before.handler + 3);
  const limited = await fetch(`${api}/now/2`, { headers: { cookie } });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('error-code'), 'RATE_LIMITED');
  assert.equal(calls.handler, before.handler + 3, 'a refused request reached the handler');
});

test('refusals in the lane answer as everywhere: errors of answerNow, bad params, a credential not held, an operator route', async () => {
  const cookie = cookieFor('now-3');
  const missing = await fetch(`${api}/now/404`, { headers: { cookie } });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('error-code'), 'NOT_FOUND');
  assert.deepEqual(await missing.json(), { code: 'NOT_FOUND', message: 'no such thing' });
  const bad = await fetch(`${api}/now/x`, { headers: { cookie } });
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get('error-code'), 'INVALID_ARGUMENT');
  const unknown = await fetch(`${api}/now/7`, { headers: { cookie: 'ravel_session=nobody' } });
  assert.equal(unknown.status, 401);
  const notOperator = await fetch(`${api}/operators-only`, { headers: { cookie: cookieFor('now-4') } });
  assert.equal(notOperator.status, 403);
  assert.equal(notOperator.headers.get('error-code'), 'PERMISSION_DENIED');
  // The gateway still serves.
  assert.equal((await fetch(`${api}/now/8`, { headers: { cookie: cookieFor('now-5') } })).status, 200);
});
