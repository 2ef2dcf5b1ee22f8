import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VmState } from '../domain/schemas/index.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import { applicationRef } from '../actors/kinds/application/application-kind.ts';
import { commandIdOf, hvxVmId } from '../actors/kinds/application/application-host-commands.ts';
import { sendCommand } from '../hvx/host-provisioning.ts';
import { type ControlHarness, REGION } from './testing/control-harness.ts';
import { withHostedTenant, withStartedApp } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

async function vmStates(h: ControlHarness, p: Principal, id: number): Promise<VmState[]> {
  return ((await h.run(h.control.getApplication(p, id, 'deployment'))).deployment?.vms ?? []).map((v) => v.state);
}

test('publish to a region: every VM PUBLISHING, then STARTED on simulated hosts; stop, start, restart; expiration stops it', async () => {
  await withHostedTenant(['h1', 'h2'], async ({ h, c, p }) => {
    const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [sampleVm(1), sampleVm(2), sampleVm(3)] } }));
    assert.equal(await h.run(c.isPublished(p, app.id)), false);
    assert.deepEqual(await h.run(c.publishLocations(p, app.id)), []);

    const published = await h.run(c.publishApplication(p, app.id, { preferredRegion: REGION }));
    assert.equal(published.published, true);
    assert.equal(published.deployment?.optimizationLevel, 'PERFORMANCE_OPTIMIZED');
    assert.deepEqual(published.deployment?.vms.map((v) => v.state), ['PUBLISHING', 'PUBLISHING', 'PUBLISHING']);
    assert.deepEqual(new Set(published.deployment?.vms.map((v) => v.hostId)), new Set(['h1', 'h2']), 'performance spreads the VMs over both hosts');
    assert.equal(await h.run(c.isPublished(p, app.id)), true);
    assert.deepEqual(await h.run(c.publishLocations(p, app.id)), [REGION]);

    await allVms(h, p, app.id, 'STARTED');
    const dep = await h.run(c.getApplication(p, app.id, 'deployment'));
    assert.equal('design' in dep, false, 'the deployment aspect has no design');
    assert.equal(dep.deployment?.totalActiveVms, 3);
    const running = [...h.sim.hosts.values()].flatMap((x) => x.hv.list().map((v) => v.state));
    assert.deepEqual(running, ['running', 'running', 'running'], 'the hypervisors run them');

    const stopping = await h.run(c.stopApplication(p, app.id));
    assert.deepEqual(stopping.deployment?.vms.map((v) => v.state), ['STOPPING', 'STOPPING', 'STOPPING']);
    await allVms(h, p, app.id, 'STOPPED');
    assert.equal((await h.run(c.getApplication(p, app.id))).deployment?.totalActiveVms, 0);

    const starting = await h.run(c.startApplication(p, app.id));
    assert.deepEqual(starting.deployment?.vms.map((v) => v.state), ['STARTING', 'STARTING', 'STARTING']);
    await allVms(h, p, app.id, 'STARTED');

    const restarting = await h.run(c.restartApplication(p, app.id));
    assert.deepEqual(restarting.deployment?.vms.map((v) => v.state), ['RESTARTING', 'RESTARTING', 'RESTARTING']);
    await allVms(h, p, app.id, 'STARTED');

    // One VM alone.
    await h.run(c.vmAction(p, app.id, 200, 'stop'));
    await allVms(h, p, app.id, ['STARTED', 'STOPPED', 'STARTED']);
    await h.run(c.vmAction(p, app.id, 200, 'start'));
    await allVms(h, p, app.id, 'STARTED');

    // Expiration: nextStopTime shows, and at that time the application stops by itself.
    const at = h.tc.clock.now() + 60_000;
    const expiring = await h.run(c.setExpiration(p, app.id, { expirationFromNowSeconds: 60 }));
    assert.equal(expiring.nextStopTime, at);
    assert.equal((await h.run(c.listApplications(p)))[0]?.nextStopTime, at);
    await h.tc.advance(50_000, 250);
    assert.deepEqual(await vmStates(h, p, app.id), ['STARTED', 'STARTED', 'STARTED'], 'not before its time');
    await allVms(h, p, app.id, 'STOPPED');
    assert.ok(h.tc.clock.now() >= at);
    assert.equal((await h.run(c.getApplication(p, app.id))).nextStopTime, undefined, 'an expiration fires once');
  });
});

test('expiration fires after a restart of the whole actor system, hosts running on', async () => {
  await withStartedApp([1, 2], async ({ h, c, p, app }) => {
    await h.run(c.setExpiration(p, app.id, { expirationFromNowSeconds: 120 }));
    const at = h.tc.clock.now() + 120_000;

    await h.restart();
    assert.deepEqual(await vmStates(h, p, app.id), ['STARTED', 'STARTED'], 'the replayed host reports change nothing');
    await h.tc.advance(at - h.tc.clock.now() - 1000, 250);
    assert.deepEqual(await vmStates(h, p, app.id), ['STARTED', 'STARTED'], 'not before its time');
    await allVms(h, p, app.id, 'STOPPED');
    assert.ok(h.tc.clock.now() >= at);
    const hv = h.sim.hosts.get('h1')?.hv;
    assert.deepEqual(hv?.list().map((v) => v.state), ['stopped', 'stopped']);
  }, { publish: { optimizationLevel: 'COST_OPTIMIZED' } });
});

test('a resent command is applied once, and a replayed or stale host report changes nothing', async () => {
  await withStartedApp([1], async ({ h, c, p, app }) => {
    const agent = h.sim.hosts.get('h1')?.agent;
    assert.equal(agent?.applied, 2, 'define, then start');

    // The start command again, as a retry after a crash would send it: the agent answers from its ledger.
    const vmId = hvxVmId(app.id, '100');
    // Its result (a start that succeeded) is seen by the bridge and left out: it would change nothing.
    const seen = (): number => (h.bridge?.delivered ?? 0) + (h.bridge?.passed ?? 0);
    const before = seen();
    await h.run(sendCommand(h.tc.bus, { id: commandIdOf(app.id, '100', 'start', 2), host: 'h1', issuedAt: h.tc.clock.now(), kind: 'start', vmId }, { dedupe: false }));
    await h.tc.until(() => seen() > before);
    assert.equal(agent?.applied, 2, 'applied once');

    // A stale "stopped" report (an old sequence) and a repeated one: nothing changes.
    await h.run(h.system.tell(applicationRef(app.id), { type: 'hostStatus', host: 'h1', vmKey: '100', state: 'stopped', seq: 1 }));
    await h.tc.advance(500);
    assert.deepEqual((await h.run(c.getApplication(p, app.id, 'deployment'))).deployment?.vms.map((v) => v.state), ['STARTED']);
  });
});
