import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operator } from './testing/control-harness.ts';
import { withHarness } from './testing/control-fixtures.ts';
import { tenant } from './testing/deployment-helpers.ts';

test('every change is an event, in order, with its principal and time, and the stream survives a restart', async () => {
  await withHarness({}, async (h) => {
    const c = h.control;
    const { organization: org, admin, session: s } = await tenant(h, 'acme');
    const t0 = h.tc.clock.now();
    const bob = await h.run(c.inviteUser(s.principal, { email: 'bob@acme' }));
    const kp = await h.run(c.generateKeyPair(s.principal, { name: 'k' }));
    const app = await h.run(c.createApplication(s.principal, { name: 'web' }));
    await h.run(c.updateApplication(s.principal, app.id, { description: 'front' }));
    // Events of one actor keep their order; across actors the order is the one the organization
    // took them in (an application's reach it after its commit), so wait before the next change.
    await h.eventsReach(org.id, 7);
    await h.run(c.deleteKeyPair(s.principal, kp.id));
    const expected = ['ORGANIZATION_CREATED', 'USER_INVITED', 'USER_LOGIN', 'USER_INVITED', 'KEY_PAIR_CREATED', 'APPLICATION_CREATED', 'APPLICATION_UPDATED', 'KEY_PAIR_DELETED'];
    await h.eventsReach(org.id, expected.length);

    const { notifications: all } = await h.run(c.searchNotifications(s.principal, {}));
    assert.deepEqual(all.map((e) => e.name), expected);
    assert.deepEqual(all.map((e) => e.sequence), expected.map((_, i) => i + 1));
    assert.ok(all.every((e) => e.tenantId === org.id));
    assert.deepEqual(all[0]?.principal, { kind: 'operator', name: 'ops' });
    assert.deepEqual(all[2]?.principal, { kind: 'user', userId: admin.id });
    assert.deepEqual(all[3]?.subjects, [{ type: 'USER', id: String(bob.id) }]);
    assert.ok(all.slice(3).every((e) => e.time >= t0));
    const only = await h.run(c.searchNotifications(s.principal, { eventNames: ['APPLICATION_CREATED', 'APPLICATION_UPDATED'], dateRange: { startTime: t0 } }));
    assert.deepEqual(only.notifications.map((e) => e.sequence), [6, 7]);

    await h.restart();
    const c2 = h.control;
    assert.deepEqual((await h.run(c2.searchNotifications(s.principal, {}))).notifications, all);
    assert.ok(await h.run(c2.resolveSession(s.sessionId)), 'sessions survive the restart');
    await h.run(c2.updateApplication(s.principal, app.id, { name: 'web2' }));
    await h.eventsReach(org.id, expected.length + 1);
    const after = (await h.run(c2.searchNotifications(s.principal, {}))).notifications;
    assert.equal(after.at(-1)?.name, 'APPLICATION_UPDATED');
    assert.equal(after.at(-1)?.sequence, expected.length + 1);
  });
});

test('an event staged before a crash is appended by the next activation, once', async () => {
  await withHarness({}, async (h) => {
    const c = h.control;
    const { organization: org } = await h.run(c.createOrganization(operator, { name: 'acme', admin: { email: 'root@acme', password: 'root-password' } }));
    await h.eventsReach(org.id, 2);
    const s = (await h.run(c.login('root@acme', 'root-password')))!;
    // The login's state (with its staged USER_LOGIN) is committed; crash before the drain runs.
    assert.equal(await h.events.lastSequence(org.id), 2, 'the drain has not run yet');
    await h.restart();
    await h.eventsReach(org.id, 3);
    await h.run(h.control.inviteUser(s.principal, { email: 'x@acme' }));
    await h.eventsReach(org.id, 4);
    await h.tc.advance(500);
    const names = (await h.run(h.control.searchNotifications(s.principal, {}))).notifications.map((e) => e.name);
    assert.deepEqual(names, ['ORGANIZATION_CREATED', 'USER_INVITED', 'USER_LOGIN', 'USER_INVITED']);
  });
});
