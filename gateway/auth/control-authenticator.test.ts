import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlHarness, operator } from '../../control/testing/control-harness.ts';
import { ControlAuthenticator, controlPrincipal } from './control-authenticator.ts';

test('the control authenticator: Basic login, session cookie, ephemeral token header, logout', async () => {
  const h = await ControlHarness.start();
  try {
    const auth = new ControlAuthenticator(h.control, () => h.tc.clock.now());
    const { organization } = await h.run(h.control.createOrganization(operator, { name: 'acme', identityDomain: 'acme', admin: { email: 'root', password: 'root-password' } }));
    assert.equal(await h.run(auth.login({ username: 'acme/root', password: 'nope-nope' })), undefined);
    const r = await h.run(auth.login({ username: 'acme/root', password: 'root-password' }));
    assert.ok(r !== undefined);
    assert.ok(r.expiresInSeconds !== undefined && Math.abs(r.expiresInSeconds - 12 * 3600) <= 5);
    assert.equal(r.principal.tenantId, String(organization.id));
    const fromCookie = await h.run(auth.fromSession(r.sessionId));
    assert.equal(fromCookie?.id, r.principal.id);
    const p = controlPrincipal(fromCookie);
    const t = await h.run(h.control.createToken(p, { name: 't', expirationTime: h.tc.clock.now() + 60_000, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }] }));
    const fromToken = await h.run(auth.fromToken(t.token));
    assert.equal(fromToken?.via, 'token');
    assert.equal(controlPrincipal(fromToken).kind, 'token');
    assert.equal(await h.run(auth.fromToken('garbage')), undefined);
    await h.run(auth.logout(r.sessionId));
    assert.equal(await h.run(auth.fromSession(r.sessionId)), undefined);
    assert.throws(() => controlPrincipal({ id: 'x', tenantId: '1', operator: false, via: 'session' }), { code: 'UNAUTHENTICATED' });
  } finally {
    await h.close();
  }
});
