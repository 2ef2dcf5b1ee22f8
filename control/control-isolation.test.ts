import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../domain/tenancy/principal.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import type { ControlPlane } from './control-plane.ts';
import { type ControlHarness, code } from './testing/control-harness.ts';
import { withHarness } from './testing/control-fixtures.ts';
import { tenant } from './testing/deployment-helpers.ts';

/** Everything tenant A has, as its admin reads it, to compare before and after. */
async function snapshot(h: ControlHarness, c: ControlPlane, p: Principal, orgId: number): Promise<unknown> {
  // Outboxes drain on reminders: wait until the stream has stopped growing for a while (a loaded machine is slow to drain).
  for (let last = -1, same = 0; same < 3; ) {
    await h.tc.advance(1000);
    const n = await h.run(h.events.lastSequence(orgId));
    same = n === last ? same + 1 : 0;
    last = n;
  }
  return {
    org: await h.run(c.getOrganization(p)),
    users: await h.run(c.listUsers(p)),
    groups: await h.run(c.listPermissionsGroups(p)),
    tokens: await h.run(c.listTokens(p)),
    keyPairs: await h.run(c.listKeyPairs(p)),
    ips: await h.run(c.listElasticIps(p)),
    apps: await h.run(Promise.all((await c.listApplications(p)).map((a) => c.getApplication(p, a.id)))),
    events: await h.run(h.events.lastSequence(orgId)),
  };
}

test('two tenants: every operation on the other tenant’s objects is NOT_FOUND, and nothing changes', async () => {
  await withHarness({}, async (h) => {
    const c = h.control;
    const a = await tenant(h, 'a');
    const b = await tenant(h, 'b');
    const user = await h.run(c.inviteUser(a.p, { email: 'u@a' }));
    const group = await h.run(c.createPermissionsGroup(a.p, { name: 'g', permissions: [] }));
    const token = await h.run(c.createToken(a.p, { name: 't', expirationTime: h.tc.clock.now() + 3_600_000, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }] }));
    const kp = await h.run(c.generateKeyPair(a.p, { name: 'k' }));
    const ip = await h.run(c.allocateElasticIp(a.p, { location: 'us-east' }));
    const app = await h.run(c.createApplication(a.p, { name: 'app', design: { vms: [sampleVm(1)] } }));
    const before = await snapshot(h, c, a.p, a.organizationId);

    const q = b.p;
    const attempts: [string, () => Promise<unknown>][] = [
      ['updateOrganization', () => c.updateOrganization(q, a.organizationId, { name: 'pwned' })],
      ['getUser', () => c.getUser(q, user.id)],
      ['updateUser', () => c.updateUser(q, user.id, { roles: ['ORGANIZATION_ADMIN'] })],
      ['changePassword', () => c.changePassword(q, user.id, { newPassword: 'new-password' })],
      ['disableUser', () => c.disableUser(q, a.session.user.id)],
      ['enableUser', () => c.enableUser(q, user.id)],
      ['deleteUser', () => c.deleteUser(q, user.id)],
      ['getPermissionsGroup', () => c.getPermissionsGroup(q, group.id)],
      ['updatePermissionsGroup', () => c.updatePermissionsGroup(q, group.id, { name: 'x' })],
      ['addPermissionsGroupUser', () => c.addPermissionsGroupUser(q, group.id, user.id)],
      ['deletePermissionsGroup', () => c.deletePermissionsGroup(q, group.id)],
      ['getToken', () => c.getToken(q, token.id)],
      ['updateToken', () => c.updateToken(q, token.id, { name: 'x' })],
      ['deleteToken', () => c.deleteToken(q, token.id)],
      ['getKeyPair', () => c.getKeyPair(q, kp.id)],
      ['updateKeyPair', () => c.updateKeyPair(q, kp.id, { name: 'x' })],
      ['deleteKeyPair', () => c.deleteKeyPair(q, kp.id)],
      ['releaseElasticIp', () => c.releaseElasticIp(q, ip.ip)],
      ['attachElasticIp', () => c.attachElasticIp(q, ip.ip, { applicationId: app.id, vmId: 100, nicId: 102 }, 'us-east')],
      ['detachElasticIp', () => c.detachElasticIp(q, ip.ip)],
      ['getApplication', () => c.getApplication(q, app.id)],
      ['getApplicationDesign', () => c.getApplicationDesign(q, app.id)],
      ['updateApplication', () => c.updateApplication(q, app.id, { name: 'x' })],
      ['addVm', () => c.addVm(q, app.id, { baseVmId: 1 })],
      ['deleteApplication', () => c.deleteApplication(q, app.id)],
    ];
    for (const [name, call] of attempts) await assert.rejects(h.run(call()), code('NOT_FOUND'), name);
    // A's session and token do not work as B's, and B's lists hold none of A's objects.
    assert.equal((await h.run(c.listApplications(q))).length, 0);
    assert.equal((await h.run(c.listUsers(q))).some((u) => u.id === user.id), false);
    const forged = token.token.replace(/^\d+\./, `${b.organizationId}.`);
    assert.equal(await h.run(c.resolveToken(forged)), undefined);
    assert.deepEqual(await snapshot(h, c, a.p, a.organizationId), before);
  });
});

test('bad input to every operation is refused with its code and changes nothing', async () => {
  await withHarness({}, async (h) => {
    const c = h.control;
    const { organizationId, p } = await tenant(h, 'a');
    const app = await h.run(c.createApplication(p, { name: 'app' }));
    const long = 'x'.repeat(300);
    const before = await snapshot(h, c, p, organizationId);
    const bad = <T>(v: unknown): T => v as T;
    const cases: [string, string, () => Promise<unknown>][] = [
      ['getUser unknown', 'NOT_FOUND', () => c.getUser(p, 987_654)],
      ['getUser wrong type', 'INVALID_ARGUMENT', () => c.getUser(p, bad('1'))],
      ['inviteUser oversized', 'INVALID_ARGUMENT', () => c.inviteUser(p, { email: 'v@a', name: long })],
      ['inviteUser taken', 'ALREADY_EXISTS', () => c.inviteUser(p, { email: 'ROOT@a' })],
      ['inviteUser no email', 'INVALID_ARGUMENT', () => c.inviteUser(p, bad({}))],
      ['updateUser bad role', 'INVALID_ARGUMENT', () => c.updateUser(p, 1, bad({ roles: ['GOD'] }))],
      ['changePassword short', 'INVALID_ARGUMENT', () => c.changePassword(p, 1, { newPassword: 'short' })],
      ['changePassword own without old', 'INVALID_ARGUMENT', () => c.changePassword(p, bad<{ userId: number }>(p).userId, { newPassword: 'long-enough-1' })],
      ['disable last admin', 'ILLEGAL_STATE', () => c.disableUser(p, bad<{ userId: number }>(p).userId)],
      ['group oversized', 'INVALID_ARGUMENT', () => c.createPermissionsGroup(p, { name: long, permissions: [] })],
      ['group unknown', 'NOT_FOUND', () => c.updatePermissionsGroup(p, 424_242, { name: 'x' })],
      ['token in the past', 'INVALID_ARGUMENT', () => c.createToken(p, { name: 't', expirationTime: 1, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }] })],
      ['token bad action', 'INVALID_ARGUMENT', () => c.createToken(p, bad({ name: 't', expirationTime: h.tc.clock.now() + 1000, permissions: [{ actions: ['FLY'], resourceType: 'APPLICATION' }] }))],
      ['token unknown', 'NOT_FOUND', () => c.deleteToken(p, 31_337)],
      ['key pair oversized', 'INVALID_ARGUMENT', () => c.generateKeyPair(p, { name: long })],
      ['key pair unknown', 'NOT_FOUND', () => c.getKeyPair(p, 31_337)],
      ['key pair wrong type', 'INVALID_ARGUMENT', () => c.deleteKeyPair(p, bad(-1))],
      ['elastic IP not an address', 'INVALID_ARGUMENT', () => c.releaseElasticIp(p, '999.1.1.1')],
      ['elastic IP unknown', 'NOT_FOUND', () => c.releaseElasticIp(p, '203.0.113.9')],
      ['organization oversized', 'INVALID_ARGUMENT', () => c.updateOrganization(p, organizationId, { name: long })],
      ['application oversized', 'INVALID_ARGUMENT', () => c.createApplication(p, { name: long })],
      ['application bad design', 'INVALID_ARGUMENT', () => c.createApplication(p, bad({ name: 'x', design: { vms: [{ id: 1 }] } }))],
      ['application unknown', 'NOT_FOUND', () => c.getApplication(p, 555_555)],
      ['application wrong id type', 'INVALID_ARGUMENT', () => c.getApplication(p, bad('abc'))],
      ['application update wrong type', 'INVALID_ARGUMENT', () => c.updateApplication(p, app.id, bad({ name: 5 }))],
      ['addVm wrong type', 'INVALID_ARGUMENT', () => c.addVm(p, app.id, bad({ baseVmId: 'x' }))],
      ['filter malformed', 'INVALID_ARGUMENT', () => c.filterApplications(p, bad({ type: 'WEIRD' }))],
      ['notifications bad range', 'INVALID_ARGUMENT', () => c.searchNotifications(p, bad({ dateRange: { startTime: 'yesterday' } }))],
      ['requestId oversized', 'INVALID_ARGUMENT', () => c.inviteUser(p, { email: 'w@a' }, { requestId: long })],
    ];
    for (const [name, expected, call] of cases) await assert.rejects(h.run(call()), code(expected), name);
    assert.deepEqual(await snapshot(h, c, p, organizationId), before);
  });
});
