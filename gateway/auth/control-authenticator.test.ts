import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlHarness, operator } from '../../control/testing/control-harness.ts';
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';
import { ControlAuthenticator, controlPrincipal, type CredentialControl } from './control-authenticator.ts';

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

/** Sessions held by the test; each resolveSession waits until the test lets it answer. */
class SlowSessions implements CredentialControl {
  readonly live = new Map<string, DomainPrincipal>();
  readonly pending: (() => void)[] = [];
  asked = 0;
  async resolveSession(id: string): Promise<DomainPrincipal | undefined> {
    this.asked++;
    const answer = this.live.get(id); // read now, answered later: the race under test
    await new Promise<void>((r) => this.pending.push(r));
    return answer;
  }
  async resolveToken(): Promise<DomainPrincipal | undefined> {
    return undefined;
  }
  async login(): Promise<undefined> {
    return undefined;
  }
  async logout(id: string): Promise<void> {
    this.live.delete(id);
  }
  release(): void {
    for (const r of this.pending.splice(0)) r();
  }
}

const alice: DomainPrincipal = { kind: 'user', organizationId: 1, userId: 2, roles: ['USER'], groupPermissions: [] };

test('a cached session answers without asking; a logout or invalidate takes effect at once, even over a lookup in flight', async () => {
  const control = new SlowSessions();
  control.live.set('s1', alice);
  const auth = new ControlAuthenticator(control, () => 0);
  const first = auth.fromSession('s1');
  control.release();
  assert.equal((await first)?.id, 'user-1-2');
  assert.equal(auth.peekSession('s1')?.id, 'user-1-2', 'cached: answered without a promise');
  assert.equal(control.asked, 1);

  // A request's lookup is out when the session logs out: its late answer must not be cached.
  auth.invalidate();
  const racing = auth.fromSession('s1');
  await auth.logout('s1');
  control.release();
  assert.equal((await racing)?.id, 'user-1-2', 'the request that began before the logout may finish');
  assert.equal(auth.peekSession('s1'), undefined, 'but the logged-out session is not cached');
  const after = auth.fromSession('s1');
  control.release();
  assert.equal(await after, undefined, 'the next request asks and is refused');

  // invalidate (a user disabled, a permission edited) drops what is cached at once.
  control.live.set('s2', alice);
  const s2 = auth.fromSession('s2');
  control.release();
  await s2;
  assert.ok(auth.peekSession('s2') !== undefined);
  auth.invalidate();
  assert.equal(auth.peekSession('s2'), undefined);
});
