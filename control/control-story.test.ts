import { test } from 'node:test';
import assert from 'node:assert/strict';
import { code, operator } from './testing/control-harness.ts';
import { withHarness, withTenant } from './testing/control-fixtures.ts';

test('the story: operator creates an organization, the admin logs in, invites a user who logs in', async () => {
  await withHarness({}, async (h) => {
    const c = h.control;
    const { organization, admin } = await h.run(c.createOrganization(operator, { name: 'Acme', admin: { email: 'root@acme', password: 'root-password' } }));
    assert.equal(admin.roles[0], 'ORGANIZATION_ADMIN');
    assert.ok(organization.id > 0 && organization.id < 2 ** 53);
    assert.equal(await h.run(c.login('root@acme', 'wrong-password')), undefined);
    const s = await h.run(c.login('root@acme', 'root-password'));
    assert.ok(s !== undefined);
    const me = await h.run(c.resolveSession(s.sessionId));
    assert.deepEqual(me, s.principal);
    assert.equal((await h.run(c.getOrganization(s.principal))).name, 'Acme');

    const bob = await h.run(c.inviteUser(s.principal, { email: 'bob@acme' }));
    assert.equal(bob.activated, false);
    assert.equal(await h.run(c.login('bob@acme', 'bob-password')), undefined, 'an invited user has no password yet');
    await h.run(c.changePassword(s.principal, bob.id, { newPassword: 'bob-password' }));
    const b = await h.run(c.login('bob@acme', 'bob-password'));
    assert.equal(b?.user.id, bob.id);
    assert.deepEqual((await h.run(c.listUsers(s.principal))).map((u) => u.email), ['root@acme', 'bob@acme']);

    // A user cannot manage users; disabling ends bob's session.
    await assert.rejects(h.run(c.inviteUser(b.principal, { email: 'eve@acme' })), code('PERMISSION_DENIED'));
    await h.run(c.disableUser(s.principal, bob.id));
    assert.equal(await h.run(c.resolveSession(b.sessionId)), undefined);
    assert.equal(await h.run(c.login('bob@acme', 'bob-password')), undefined);

    await h.run(c.logout(s.sessionId));
    assert.equal(await h.run(c.resolveSession(s.sessionId)), undefined);
  });
});

test('an organization with an identity domain: its users log in as domain/user only', async () => {
  await withHarness({}, async (h) => {
    const c = h.control;
    await h.run(c.createOrganization(operator, { name: 'Initech', identityDomain: 'initech', admin: { email: 'admin', password: 'admin-password' } }));
    assert.equal(await h.run(c.login('admin', 'admin-password')), undefined);
    const s = await h.run(c.login('initech/admin', 'admin-password'));
    assert.ok(s !== undefined);
    const peter = await h.run(c.inviteUser(s.principal, { email: 'peter', roles: ['READ_ONLY'] }));
    await h.run(c.changePassword(s.principal, peter.id, { newPassword: 'peter-password' }));
    const p = await h.run(c.login('INITECH/peter', 'peter-password'));
    assert.equal(p?.user.id, peter.id);
    await assert.rejects(
      h.run(c.createOrganization(operator, { name: 'Other', identityDomain: 'Initech', admin: { email: 'x', password: 'x-password' } })),
      code('ALREADY_EXISTS'),
    );
  });
});

test('key pairs: create answers without keys, generate answers both, a deleted one reads back deleted', async () => {
  await withTenant(async ({ h, c, p }) => {
    const gen = await h.run(c.generateKeyPair(p, { name: 'gen' }));
    assert.match(gen.publicKey ?? '', /^ssh-ed25519 /);
    assert.match(gen.privateKey ?? '', /BEGIN PRIVATE KEY/);
    const made = await h.run(c.createKeyPair(p, { name: 'mine', publicKey: gen.publicKey! }));
    assert.equal(made.publicKey, undefined);
    assert.equal(made.privateKey, undefined);
    assert.equal((await h.run(c.getKeyPair(p, made.id))).publicKey, gen.publicKey);
    assert.equal((await h.run(c.getKeyPair(p, gen.id))).privateKey, undefined, 'the private key is never stored');
    await h.run(c.deleteKeyPair(p, made.id));
    assert.equal((await h.run(c.getKeyPair(p, made.id))).deleted, true);
    await assert.rejects(h.run(c.deleteKeyPair(p, made.id)), code('NOT_FOUND'));
    await assert.rejects(h.run(c.createKeyPair(p, { name: 'bad', publicKey: 'ssh-rsa nonsense' })), code('INVALID_ARGUMENT'));
  });
});
