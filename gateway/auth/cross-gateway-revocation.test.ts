/**
 * Two gateways' authenticators (A and B) over one control plane and one embedded bus: a
 * credential changed through A is refused by B on its next request, though B had the
 * credential cached. The caches' clock is a ManualClock that never moves, so the 1 s TTL
 * cannot be what expired B's entry; a third authenticator (C) that hears no bus keeps its
 * entry, which shows the cache would otherwise have answered. The last tests cover a change
 * made without any gateway (straight on the ControlPlane): B hears it from the tenant's event
 * outbox.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { ControlHarness, operator } from '../../control/testing/control-harness.ts';
import type { Subscription } from '../../bus/bus.ts';
import { ControlAuthenticator, controlPrincipal } from './control-authenticator.ts';
import { CREDENTIALS_CHANGED_SUBJECT, CredentialInvalidations, encodeInvalidation } from './credential-invalidation.ts';
import { liveSubject } from '../../events/tenant-event-log.ts';
import { encode } from '../../core/codec.ts';

let h: ControlHarness;
let a: ControlAuthenticator;
let b: ControlAuthenticator;
let c: ControlAuthenticator;
let orgId: number;
const subs: Subscription[] = [];
const frozen = new ManualClock();

function gateway(bus: boolean): ControlAuthenticator {
  const auth = new ControlAuthenticator(h.control, () => frozen.now(), undefined, 1000, bus ? new CredentialInvalidations(h.tc.bus) : undefined);
  const s = auth.listen();
  if (s !== undefined) subs.push(s);
  return auth;
}

/** Lets the bus hand over what was published (the embedded bus delivers on a microtask). */
const delivered = (): Promise<void> => h.run(h.tc.bus.flush());

before(async () => {
  h = await ControlHarness.start();
  const r = await h.run(h.control.createOrganization(operator, { name: 'acme', identityDomain: 'acme', admin: { email: 'root', password: 'root-password' } }));
  orgId = r.organization.id;
  a = gateway(true);
  b = gateway(true);
  c = gateway(false);
});
after(async () => {
  for (const s of subs) await s.unsubscribe();
  await h.close();
});

async function login(username: string, password: string): Promise<string> {
  const r = await h.run(a.login({ username, password }));
  assert.ok(r !== undefined, `${username} logs in`);
  return r.sessionId;
}

/** The session resolved on B and C, so both now answer it from their caches. */
async function cachedOnBAndC(session: string): Promise<void> {
  for (const g of [b, c]) {
    assert.ok((await h.run(g.fromSession(session))) !== undefined);
    assert.ok(g.peekSession(session) !== undefined, 'cached');
  }
}

/** acme's admin as the gateway sees it (what dispatch hands to `invalidate`). */
async function gatewayAdmin(): Promise<NonNullable<Awaited<ReturnType<ControlAuthenticator['fromSession']>>>> {
  const p = await h.run(a.fromSession(await login('acme/root', 'root-password')));
  assert.ok(p !== undefined);
  return p;
}

async function adminPrincipal(): Promise<ReturnType<typeof controlPrincipal>> {
  return controlPrincipal(await h.run(a.fromSession(await login('acme/root', 'root-password'))));
}

/** A new user of acme, logged in through A, the session cached on B and C. */
async function cachedUser(email: string): Promise<{ admin: ReturnType<typeof controlPrincipal>; user: { id: number }; session: string }> {
  const admin = await adminPrincipal();
  const user = await h.run(h.control.inviteUser(admin, { email }));
  await h.run(h.control.changePassword(admin, user.id, { newPassword: `${email}-password` }));
  const session = await login(`acme/${email}`, `${email}-password`);
  await cachedOnBAndC(session);
  return { admin, user, session };
}

test('a logout through A is refused by B at once', async () => {
  const session = await login('acme/root', 'root-password');
  await cachedOnBAndC(session);
  await h.run(a.logout(session));
  await delivered();
  assert.equal(b.peekSession(session), undefined, 'B dropped its entry');
  assert.equal(await h.run(b.fromSession(session)), undefined, 'and the organization says the session is gone');
  assert.ok(c.peekSession(session) !== undefined, 'C, deaf to the bus, still trusts it: the TTL did not run out');
});

test('a user disabled through A is refused by B at once', async () => {
  const { admin, user, session } = await cachedUser('carol');
  await h.run(h.control.disableUser(admin, user.id));
  a.invalidate(await gatewayAdmin()); // what dispatch does after a route marked changesCredentials
  await delivered();
  assert.equal(b.peekSession(session), undefined);
  assert.equal(await h.run(b.fromSession(session)), undefined);
  assert.ok(c.peekSession(session) !== undefined);
});

test('a token deleted through A is refused by B at once', async () => {
  const admin = await adminPrincipal();
  const t = await h.run(h.control.createToken(admin, { name: 'reader', expirationTime: h.tc.clock.now() + 3_600_000, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }] }));
  for (const g of [b, c]) {
    assert.ok((await h.run(g.fromToken(t.token))) !== undefined);
    assert.ok(g.peekToken(t.token) !== undefined, 'cached');
  }
  await h.run(h.control.deleteToken(admin, t.id));
  a.invalidate(await gatewayAdmin());
  await delivered();
  assert.equal(b.peekToken(t.token), undefined);
  assert.equal(await h.run(b.fromToken(t.token)), undefined);
  assert.ok(c.peekToken(t.token) !== undefined);
});

test('malformed messages change nothing; a well-formed one drops only its organization', async () => {
  const session = await login('acme/root', 'root-password');
  await cachedOnBAndC(session);
  const junk = [new Uint8Array([0xff, 0x00, 0x13]), encode({ v: 2 }), encode({ v: 1, organizationId: 'acme' }), encode({ v: 1, organizationId: orgId, extra: true }), encode([1])];
  for (const data of junk) h.tc.bus.publish(CREDENTIALS_CHANGED_SUBJECT, data);
  h.tc.bus.publish(CREDENTIALS_CHANGED_SUBJECT, encodeInvalidation(orgId + 1));
  await delivered();
  assert.ok(b.peekSession(session) !== undefined, 'junk and another organization left it cached');
  h.tc.bus.publish(CREDENTIALS_CHANGED_SUBJECT, encodeInvalidation(orgId));
  await delivered();
  assert.equal(b.peekSession(session), undefined, 'its organization dropped it');
  assert.ok((await h.run(b.fromSession(session))) !== undefined, 'a drop only makes B ask again: the session is still live');
});

test('a user disabled without any gateway is refused by B once the outbox drains', async () => {
  const { admin, user, session } = await cachedUser('erin');
  await h.run(h.control.disableUser(admin, user.id)); // no gateway: nobody calls invalidate()
  await h.tc.until(() => b.peekSession(session) === undefined); // moves the control plane's clock, not the caches'
  assert.equal(await h.run(b.fromSession(session)), undefined);
  assert.ok(c.peekSession(session) !== undefined);
});

test('tenant events that change no credential, or do not read as events, drop nothing', async () => {
  const session = await login('acme/root', 'root-password');
  await cachedOnBAndC(session);
  const head = { tenantId: orgId, sequence: 1_000_000, time: 0, principal: { kind: 'system' } };
  for (const data of [encode({ ...head, name: 'VM_STATE_CHANGED' }), encode({ ...head, tenantId: -1, name: 'USER_DISABLED' }), encode({ name: 'USER_DISABLED' }), new Uint8Array([0xc1])]) {
    h.tc.bus.publish(liveSubject(orgId), data);
  }
  await delivered();
  assert.ok(b.peekSession(session) !== undefined);
  h.tc.bus.publish(liveSubject(orgId), encode({ ...head, name: 'USER_DISABLED' }));
  await delivered();
  assert.equal(b.peekSession(session), undefined, 'a credential event of the tenant drops its entries');
});

test("a credential change by one organization's admin leaves other organizations' cached sessions alone; an operator's drops all", async () => {
  await h.run(h.control.createOrganization(operator, { name: 'rival', identityDomain: 'rival', admin: { email: 'root', password: 'rival-password' } }));
  const rival = await login('rival/root', 'rival-password');
  const mine = await login('acme/root', 'root-password');
  await cachedOnBAndC(rival);
  await cachedOnBAndC(mine);
  a.invalidate(await gatewayAdmin());
  await delivered();
  assert.equal(b.peekSession(mine), undefined, "acme's entries dropped");
  assert.ok(b.peekSession(rival) !== undefined, "rival's entry kept");
  const op = await h.run(a.fromSession(rival));
  assert.ok(op !== undefined);
  a.invalidate({ ...op, operator: true, tenantId: 'operators' });
  await delivered();
  assert.equal(b.peekSession(rival), undefined, "an operator's change drops every organization's entries");
});
