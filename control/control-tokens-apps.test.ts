import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleImage, sampleVm } from '../domain/test-fixtures.ts';
import { code, operator } from './testing/control-harness.ts';
import { withTenant } from './testing/control-fixtures.ts';


test('tokens: a READ-only token reads but cannot create; an expired token is refused', async () => {
  await withTenant(async ({ h, c, p }) => {
    const app = await h.run(c.createApplication(p, { name: 'web' }));
    const expirationTime = h.tc.clock.now() + 60_000;
    const t = await h.run(c.createToken(p, { name: 'ro', expirationTime, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }] }));
    assert.equal((await h.run(c.getToken(p, t.id))).token, undefined, 'the value is answered once');
    const tp = await h.run(c.resolveToken(t.token));
    assert.ok(tp !== undefined);
    assert.equal((await h.run(c.getApplication(tp, app.id))).name, 'web');
    await assert.rejects(h.run(c.createApplication(tp, { name: 'nope' })), code('PERMISSION_DENIED'));
    await assert.rejects(h.run(c.updateApplication(tp, app.id, { name: 'renamed' })), code('PERMISSION_DENIED'));
    await assert.rejects(h.run(c.listKeyPairs(tp)), code('NOT_FOUND'), 'outside its scope things look missing');
    await h.tc.advance(61_000);
    assert.equal(await h.run(c.resolveToken(t.token)), undefined);
    await assert.rejects(h.run(c.getApplication(tp, app.id)), code('UNAUTHENTICATED'));
    assert.deepEqual(await h.run(c.listTokens(p)), [], 'the expiry reminder removed it');
    assert.equal(await h.run(c.resolveToken('1.not-a-real-token-value')), undefined);
  });
});

test('tokens: re-scoped by PUT, never wider than the one who re-scopes holds; a scoped token cannot mint a wider one', async () => {
  await withTenant(async ({ h, c, p }) => {
    const app = await h.run(c.createApplication(p, { name: 'web' }));
    const expirationTime = h.tc.clock.now() + 60_000;
    const onlyWeb = { type: 'SIMPLE', operator: 'Equals', propertyName: 'name', operand: 'web' } as const;
    const t = await h.run(c.createToken(p, { name: 'reader', expirationTime, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }] }));
    const tp = await h.run(c.resolveToken(t.token));
    assert.ok(tp !== undefined);
    await assert.rejects(h.run(c.updateApplication(tp, app.id, { name: 'renamed' })), code('PERMISSION_DENIED'));
    // The admin widens it: the token may now update applications.
    const widened = await h.run(c.updateToken(p, t.id, { permissions: [{ actions: ['READ', 'UPDATE'], resourceType: 'APPLICATION' }] }));
    assert.deepEqual(widened.permissions[0]?.actions, ['READ', 'UPDATE']);
    const tp2 = await h.run(c.resolveToken(t.token));
    assert.ok(tp2 !== undefined);
    assert.equal((await h.run(c.updateApplication(tp2, app.id, { name: 'renamed' }))).name, 'renamed');
    // A token scoped to one application can neither mint nor re-scope a token to all of them.
    const scoped = await h.run(c.createToken(p, { name: 'web', expirationTime, permissions: [{ actions: ['READ', 'UPDATE'], resourceType: 'APPLICATION', filterCriterion: onlyWeb }, { actions: ['CREATE', 'READ', 'UPDATE'], resourceType: 'EPHEMERAL_TOKEN' }] }));
    const sp = await h.run(c.resolveToken(scoped.token));
    assert.ok(sp !== undefined);
    await assert.rejects(h.run(c.createToken(sp, { name: 'all', expirationTime, permissions: [{ actions: ['UPDATE'], resourceType: 'APPLICATION' }] })), code('PERMISSION_DENIED'));
    await assert.rejects(h.run(c.updateToken(sp, t.id, { permissions: [{ actions: ['READ', 'UPDATE', 'DELETE'], resourceType: 'APPLICATION' }] })), code('PERMISSION_DENIED'));
    assert.deepEqual((await h.run(c.getToken(p, t.id))).permissions[0]?.actions, ['READ', 'UPDATE'], 'a refused re-scope changed nothing');
    const narrowed = await h.run(c.createToken(sp, { name: 'web too', expirationTime, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION', filterCriterion: onlyWeb }] }));
    assert.equal(narrowed.permissions[0]?.filterCriterion?.type, 'SIMPLE');
  });
});

test('applications: create empty or from a design, get whole and ;design, list, update, add a library VM, filter, delete', async () => {
  await withTenant(async ({ h, c, p, organizationId }) => {
    const { id: _id, ...stub } = sampleImage();
    const image = await h.run(c.addLibraryImage(operator, organizationId, stub));
    const empty = await h.run(c.createApplication(p, { name: 'empty' }, { requestId: 'r1' }));
    assert.equal((await h.run(c.createApplication(p, { name: 'empty' }, { requestId: 'r1' }))).id, empty.id, 'a retried create creates nothing');
    const big = 2n ** 63n;
    const designed = await h.run(c.createApplication(p, { name: 'db', description: 'database', design: { vms: [sampleVm(1, { id: big })] } }));
    assert.equal(designed.design.vms[0]?.id, big, 'client ids round-trip exactly');
    assert.equal((await h.run(c.getApplication(p, designed.id, 'design'))).deployment, undefined);
    const list = await h.run(c.listApplications(p));
    assert.deepEqual(list.map((a) => [a.name, a.published, a.deployment.totalActiveVms]), [['empty', false, 0], ['db', false, 0]]);

    const withVm = await h.run(c.addVm(p, empty.id, { baseVmId: image.id }));
    assert.equal(withVm.design.vms[0]?.baseVmId, image.id);
    await assert.rejects(h.run(c.addVm(p, empty.id, { baseVmId: 999_999 })), code('NOT_FOUND'));
    const renamed = await h.run(c.updateApplication(p, empty.id, { name: 'web' }));
    assert.equal(renamed.design.vms.length, 1);

    const found = await h.run(
      c.filterApplications(p, { type: 'COMPLEX', operator: 'Or', criteria: [{ type: 'SIMPLE', operator: 'Equals', propertyName: 'name', operand: 'web' }] }),
    );
    assert.deepEqual(found.map((a) => a.id), [empty.id]);

    await h.run(c.deleteApplication(p, designed.id));
    await assert.rejects(h.run(c.getApplication(p, designed.id)), code('NOT_FOUND'));
    assert.deepEqual((await h.run(c.listApplications(p))).map((a) => a.id), [empty.id]);
    await assert.rejects(h.run(c.createApplication(p, { name: 'bp', baseBlueprintId: 5 })), code('NOT_FOUND'));
  });
});

test('elastic IPs: allocate in a region, list, attach and detach for the application side, release', async () => {
  await withTenant(async ({ h, c, p }) => {
    assert.deepEqual(await h.run(c.listElasticIpLocations(p)), ['us-east']);
    const a = await h.run(c.allocateElasticIp(p, { location: 'us-east' }));
    const b = await h.run(c.allocateElasticIp(p, { location: 'us-east' }));
    assert.notEqual(a.ip, b.ip);
    await assert.rejects(h.run(c.allocateElasticIp(p, { location: 'mars' })), code('NOT_FOUND'));
    const attached = await h.run(c.attachElasticIp(p, a.ip, { applicationId: 1, vmId: 2, nicId: 3 }, 'us-east'));
    assert.equal(attached.attachedTo?.applicationId, 1);
    await assert.rejects(h.run(c.releaseElasticIp(p, a.ip)), code('ILLEGAL_STATE'));
    await h.run(c.detachElasticIp(p, a.ip));
    await h.run(c.releaseElasticIp(p, a.ip));
    assert.deepEqual((await h.run(c.listElasticIps(p))).map((e) => e.ip), [b.ip]);
    await h.tc.until(() => true);
    const again = await h.run(c.allocateElasticIp(p, { location: 'us-east' }));
    assert.notEqual(again.ip, b.ip, 'an address in use is never handed out twice');
  });
});
