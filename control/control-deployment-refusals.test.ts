import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../domain/tenancy/principal.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import { type ControlHarness, HOST_CAPACITY, HOST_DEAD_AFTER_MS, REGION, code, operator } from './testing/control-harness.ts';
import { withHarness, withHostedTenant, withStartedApp } from './testing/control-fixtures.ts';
import { allVms, tenant } from './testing/deployment-helpers.ts';

/** The application and the tenant's event count, once the outboxes have drained. */
async function observe(h: ControlHarness, p: Principal, organizationId: number, id: number): Promise<unknown> {
  await h.tc.advance(500);
  return { app: await h.run(h.control.getApplication(p, id)), events: await h.run(h.events.lastSequence(organizationId)) };
}

test('actions the VMs’ states do not allow are ILLEGAL_STATE and change nothing; bad input is refused', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p, organizationId }) => {
    const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [sampleVm(1), sampleVm(2)] } }));
    const draft = await observe(h, p, organizationId, app.id);
    for (const [name, call] of [
      ['start a draft', () => c.startApplication(p, app.id)],
      ['stop a draft', () => c.stopApplication(p, app.id)],
      ['restart a draft', () => c.restartApplication(p, app.id)],
      ['vm start in a draft', () => c.vmAction(p, app.id, 100, 'start')],
      ['expire a draft', () => c.setExpiration(p, app.id, { expirationFromNowSeconds: 60 })],
    ] as [string, () => Promise<unknown>][]) await assert.rejects(h.run(call()), code('ILLEGAL_STATE'), name);
    for (const [name, call] of [
      ['unknown region', () => c.publishApplication(p, app.id, { preferredRegion: 'mars-1' })],
      ['bad optimization', () => c.publishApplication(p, app.id, { optimizationLevel: 'FASTEST' as 'COST_OPTIMIZED' })],
    ] as [string, () => Promise<unknown>][]) await assert.rejects(h.run(call()), code('INVALID_ARGUMENT'), name);
    assert.deepEqual(await observe(h, p, organizationId, app.id), draft);

    await h.run(c.publishApplication(p, app.id, {}));
    await allVms(h, p, app.id, 'STARTED');
    const started = await observe(h, p, organizationId, app.id);
    for (const [name, call] of [
      ['publish again', () => c.publishApplication(p, app.id, {})],
      ['start a started application', () => c.startApplication(p, app.id)],
      ['start a started VM', () => c.vmAction(p, app.id, 100, 'start')],
    ] as [string, () => Promise<unknown>][]) await assert.rejects(h.run(call()), code('ILLEGAL_STATE'), name);
    await assert.rejects(h.run(c.vmAction(p, app.id, 999, 'stop')), code('NOT_FOUND'), 'a VM the deployment lacks');
    await assert.rejects(h.run(c.vmAction(p, app.id, 100, 'explode' as 'stop')), code('INVALID_ARGUMENT'));
    await assert.rejects(h.run(c.setExpiration(p, app.id, { expirationFromNowSeconds: -5 })), code('INVALID_ARGUMENT'));
    assert.deepEqual(await observe(h, p, organizationId, app.id), started);

    await h.run(c.stopApplication(p, app.id));
    await allVms(h, p, app.id, 'STOPPED');
    const stopped = await observe(h, p, organizationId, app.id);
    for (const [name, call] of [
      ['stop a stopped application', () => c.stopApplication(p, app.id)],
      ['restart a stopped application', () => c.restartApplication(p, app.id)],
      ['shut down a stopped VM', () => c.vmAction(p, app.id, 200, 'shutdown')],
      ['restart a stopped VM', () => c.vmAction(p, app.id, 200, 'restart')],
    ] as [string, () => Promise<unknown>][]) await assert.rejects(h.run(call()), code('ILLEGAL_STATE'), name);
    assert.deepEqual(await observe(h, p, organizationId, app.id), stopped);
  });
});

test('another tenant’s application is NOT_FOUND for every deployment action, and nothing changes', async () => {
  await withHarness({ deployment: true }, async (h) => {
    const c = h.control;
    await h.addHost('h1');
    const a = await tenant(h, 'a');
    const b = await tenant(h, 'b');
    const app = await h.run(c.createApplication(a.p, { name: 'web', design: { vms: [sampleVm(1)] } }));
    const other = await h.run(c.createApplication(a.p, { name: 'draft', design: { vms: [sampleVm(1)] } }));
    await h.run(c.publishApplication(a.p, app.id, {}));
    await allVms(h, a.p, app.id, 'STARTED');
    const before = [await observe(h, a.p, a.organizationId, app.id), await observe(h, a.p, a.organizationId, other.id)];
    const q = b.p;
    for (const id of [app.id, other.id]) {
      for (const [name, call] of [
        ['publish', () => c.publishApplication(q, id, {})],
        ['start', () => c.startApplication(q, id)],
        ['stop', () => c.stopApplication(q, id)],
        ['restart', () => c.restartApplication(q, id)],
        ['vm stop', () => c.vmAction(q, id, 100, 'stop')],
        ['vm poweroff', () => c.vmAction(q, id, 100, 'poweroff')],
        ['setExpiration', () => c.setExpiration(q, id, { expirationFromNowSeconds: 1 })],
        ['isPublished', () => c.isPublished(q, id)],
        ['publishLocations', () => c.publishLocations(q, id)],
        ['deployment', () => c.getApplication(q, id, 'deployment')],
      ] as [string, () => Promise<unknown>][]) await assert.rejects(h.run(call()), code('NOT_FOUND'), `${name} ${id}`);
    }
    await h.tc.advance(5000);
    assert.deepEqual([await observe(h, a.p, a.organizationId, app.id), await observe(h, a.p, a.organizationId, other.id)], before);
  });
});

test('quota: a publish or start past the organization’s limits is QUOTA_EXCEEDED and reserves nothing; no room is UNAVAILABLE', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p, organizationId }) => {
    await h.run(c.setLimits(operator, organizationId, { maxRunningVms: 3 }));
    const big = await h.run(c.createApplication(p, { name: 'big', design: { vms: [1, 2, 3, 4].map((n) => sampleVm(n)) } }));
    await assert.rejects(h.run(c.publishApplication(p, big.id, {})), code('QUOTA_EXCEEDED'));
    assert.equal((await h.run(c.getApplication(p, big.id))).published, false);
    assert.deepEqual((await h.run(c.listHosts(operator, REGION))).map((x) => x.freeCpus), [HOST_CAPACITY.cpus], 'nothing reserved');

    const two = await h.run(c.createApplication(p, { name: 'two', design: { vms: [sampleVm(1), sampleVm(2)] } }));
    await h.run(c.publishApplication(p, two.id, {}));
    await allVms(h, p, two.id, 'STARTED');
    const more = await h.run(c.createApplication(p, { name: 'more', design: { vms: [sampleVm(1), sampleVm(2)] } }));
    await assert.rejects(h.run(c.publishApplication(p, more.id, {})), code('QUOTA_EXCEEDED'), 'two running elsewhere plus two');
    await h.run(c.publishApplication(p, more.id, { startAllVms: false }));
    await allVms(h, p, more.id, 'STOPPED');
    await assert.rejects(h.run(c.startApplication(p, more.id)), code('QUOTA_EXCEEDED'));
    await h.run(c.vmAction(p, more.id, 100, 'start'));
    await assert.rejects(h.run(c.vmAction(p, more.id, 200, 'start')), code('QUOTA_EXCEEDED'));

    // The host is full (8 CPUs, four 2-CPU VMs placed): the next is UNAVAILABLE.
    await h.run(c.setLimits(operator, organizationId, {}));
    const third = await h.run(c.createApplication(p, { name: 'third', design: { vms: [sampleVm(1)] } }));
    await assert.rejects(h.run(c.publishApplication(p, third.id, {})), code('UNAVAILABLE'));
    assert.equal((await h.run(c.getApplication(p, third.id))).published, false);
  });
});

test('a host that stops sending heartbeats is declared dead; its VMs go to ERROR, and stay there with no other host', async () => {
  await withStartedApp([1, 2], async ({ h, c, p, app }) => {
    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    assert.deepEqual((await h.run(c.getApplication(p, app.id, 'deployment'))).deployment?.vms.map((v) => v.state), ['STARTED', 'STARTED'], 'heartbeats keep it alive');
    await h.tc.drive(h.sim.silence('h1'));
    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    await allVms(h, p, app.id, 'ERROR');
    assert.deepEqual((await h.run(c.listHosts(operator, REGION))).map((x) => x.accepting), [false]);
  });
});

test('the VMs of a dead host are repaired onto another host of the region and boot again', async () => {
  await withHostedTenant(['h1', 'h2'], async ({ h, c, p }) => {
    const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [sampleVm(1), sampleVm(2)] } }));
    const published = await h.run(c.publishApplication(p, app.id, { preferredRegion: REGION }));
    assert.deepEqual(published.deployment?.vms.map((v) => v.hostId).sort(), ['h1', 'h2']);
    await allVms(h, p, app.id, 'STARTED');
    await h.tc.drive(h.sim.silence('h1'));
    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    await allVms(h, p, app.id, 'STARTED');
    const after = await h.run(c.getApplication(p, app.id, 'deployment'));
    assert.deepEqual(after.deployment?.vms.map((v) => v.hostId), ['h2', 'h2'], 'both on the living host');
    assert.deepEqual(h.sim.hosts.get('h2')?.hv.list().map((v) => v.state), ['running', 'running']);
    assert.deepEqual((await h.run(c.listHosts(operator, REGION))).map((x) => [x.id, x.accepting]), [['h1', false], ['h2', true]]);
  });
});
