/**
 * Live sockets are closed with 4001 "credentials revoked" once their session or token no longer
 * resolves: on the authenticator's drop (logout, another gateway's announcement) and on the
 * periodic sweep (ManualClock), and not on a transient failure to ask.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import { silentLogger } from '../../core/log.ts';
import { ControlAuthenticator, type CredentialControl } from '../auth/control-authenticator.ts';
import { alice, bob, FakeAuthenticator } from '../test-support/fake-authenticator.ts';
import { startTestGateway } from '../test-support/test-gateway.ts';
import { LiveCredentialCheck, type LiveSockets } from './live-credentials.ts';
import type { LiveConnection } from './live-events.ts';
import { closed, collect, connect, waitFor } from './live-test-client.ts';

test('the 30 s sweep closes a socket whose session was ended with 4001, and leaves a valid one open', async () => {
  const t = await startTestGateway();
  try {
    const cookie = t.auth.session(alice);
    const a = await connect(t, { cookie: `ravel_session=${cookie}` });
    const b = await connect(t, { 'x-ephemeral-token-authorization': t.auth.token(bob) });
    const gotB = collect(b);
    const closingA = closed(a);
    t.auth.sessions.delete(cookie); // logged out elsewhere; no drop heard here
    await t.clock.advance(29_000);
    assert.equal(t.gw.liveClients, 2, 'not before the sweep');
    await t.clock.advance(1_000);
    assert.deepEqual(await closingA, { code: 4001, reason: 'credentials revoked' });
    b.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
    await waitFor(() => gotB.length === 2, 'b still served');
    assert.equal(t.gw.liveClients, 1);
    b.close();
  } finally {
    await t.stop();
  }
});

/** Connections as the hub lists them, with what was revoked and refiltered. */
function sockets(conns: LiveConnection[]): LiveSockets & { revoked: number[]; refiltered: number[] } {
  const revoked: number[] = [];
  const refiltered: number[] = [];
  return {
    revoked,
    refiltered,
    connections: (tenantId) =>
      conns
        .filter((c) => tenantId === undefined || c.principal.tenantId === tenantId)
        .map((conn) => ({ conn, revoke: () => revoked.push(conn.id), refilter: () => refiltered.push(conn.id) })),
  };
}

const conn = (id: number, principal: typeof alice, sessionCookie: string): LiveConnection => ({
  id,
  principal,
  credentials: { sessionCookie, token: undefined },
  subscriptions: new Map(),
  closed: false,
});

test('a re-check asks once per credential, closes only the revoked tenant sockets, and closes nothing when the answer fails', async () => {
  const auth = new FakeAuthenticator();
  const s1 = auth.session(alice);
  const s2 = auth.session(alice);
  const sb = auth.session(bob);
  const socks = sockets([conn(1, alice, s1), conn(2, alice, s1), conn(3, alice, s2), conn(4, bob, sb)]);
  const check = new LiveCredentialCheck({ sockets: socks, authenticator: auth, clock: new ManualClock(), log: silentLogger });
  auth.sessions.delete(s1);
  auth.sessions.delete(sb); // bob's tenant is not re-checked below
  auth.calls = 0;
  await check.recheck('org-1');
  assert.deepEqual(socks.revoked.sort(), [1, 2]);
  assert.equal(auth.calls, 2, 'one ask per distinct credential');
  // A session that now resolves to someone else is revoked too.
  auth.sessions.set(s2, bob);
  await check.recheck('org-1');
  assert.deepEqual(socks.revoked.sort(), [1, 1, 2, 2, 3]);

  const failing = new FakeAuthenticator();
  failing.fromSession = () => Promise.reject(new RavelError('UNAVAILABLE', 'control plane down'));
  const kept = sockets([conn(5, alice, 'x')]);
  await new LiveCredentialCheck({ sockets: kept, authenticator: failing, clock: new ManualClock(), log: silentLogger }).recheck(undefined);
  assert.deepEqual(kept.revoked, []);
  assert.deepEqual([...socks.refiltered, ...kept.refiltered], [], 'nothing refiltered while the principals stayed the same');
});

test('a credential that resolves to the same principal with other permissions refilters its sockets instead of closing them', async () => {
  const auth = new FakeAuthenticator();
  const withRoles = (roles: Array<'ORGANIZATION_ADMIN' | 'READ_ONLY'>): typeof alice & { control: unknown } => ({
    ...alice,
    control: { kind: 'user', organizationId: 1, userId: 2, roles, groupPermissions: [] },
  });
  const s1 = auth.session(withRoles(['ORGANIZATION_ADMIN']));
  const socks = sockets([conn(1, withRoles(['ORGANIZATION_ADMIN']), s1), conn(2, withRoles(['ORGANIZATION_ADMIN']), s1)]);
  const check = new LiveCredentialCheck({ sockets: socks, authenticator: auth, clock: new ManualClock(), log: silentLogger });
  await check.recheck(undefined);
  assert.deepEqual(socks.refiltered, [], 'an equal principal (a new object) changes nothing');
  auth.sessions.set(s1, withRoles(['READ_ONLY']));
  await check.recheck(undefined);
  assert.deepEqual(socks.refiltered.sort(), [1, 2]);
  assert.deepEqual(socks.revoked, []);
});

test('the control authenticator tells its listeners of every drop: an organization, all, a logout', async () => {
  const control: CredentialControl = {
    resolveSession: () => Promise.resolve(undefined),
    resolveToken: () => Promise.resolve(undefined),
    login: () => Promise.resolve(undefined),
    logout: () => Promise.resolve(),
  };
  const auth = new ControlAuthenticator(control, () => 0);
  const heard: Array<number | undefined> = [];
  const stop = auth.onCredentialsDropped((org) => heard.push(org));
  auth.dropOrganization(7);
  auth.dropAll();
  await auth.logout('unknown-session');
  stop();
  auth.dropOrganization(8);
  assert.deepEqual(heard, [7, undefined, undefined]);
});
