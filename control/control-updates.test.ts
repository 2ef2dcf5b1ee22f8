/**
 * Editing a published application and taking it down: publishUpdates (added VMs published and
 * started, removed ones off their hosts with their room back), per-VM redeploy, repair and
 * resetDisks, several VMs at once (all or none), and deleting a published application.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostView } from '../domain/placement/placement-types.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import { code, type ControlHarness, HOST_CAPACITY, operator, REGION } from './testing/control-harness.ts';
import { withHostedTenant, withStartedApp } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

async function hosts(h: ControlHarness): Promise<Map<string, HostView>> {
  return new Map((await h.run(h.control.listHosts(operator, REGION))).map((v) => [v.id, v]));
}

/** The VMs the simulated hypervisors hold, `vmId:state`, sorted. */
function onHosts(h: ControlHarness): string[] {
  return [...h.sim.hosts.values()].flatMap((x) => x.hv.list().map((v) => `${v.spec.id}:${v.state}`)).sort();
}

async function deployedStates(h: ControlHarness, p: Principal, id: number): Promise<string[]> {
  return ((await h.run(h.control.getApplication(p, id, 'deployment'))).deployment?.vms ?? []).map((v) => `${String(v.id)}:${v.state}`);
}

test('publishUpdates: a VM added is published and started, a VM removed leaves its host; designDiffersFromDeployment tracks it', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p }) => {
    const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [sampleVm(1), sampleVm(2)] } }));
    await assert.rejects(h.run(c.publishUpdates(p, app.id, {})), code('ILLEGAL_STATE'), 'a draft has no deployment to update');
    await h.run(c.publishApplication(p, app.id, {}));
    await allVms(h, p, app.id, 'STARTED');
    assert.equal((await h.run(c.getApplication(p, app.id))).designDiffersFromDeployment, false);
    await assert.rejects(h.run(c.publishUpdates(p, app.id, {})), code('ILLEGAL_STATE'), 'nothing to publish');

    const edited = await h.run(c.updateApplication(p, app.id, { design: { vms: [sampleVm(1), sampleVm(3)] } }));
    assert.equal(edited.designDiffersFromDeployment, true);
    assert.deepEqual(await deployedStates(h, p, app.id), ['100:STARTED', '200:STARTED'], 'editing the design leaves the deployment alone');

    const updated = await h.run(c.publishUpdates(p, app.id, {}));
    assert.equal(updated.designDiffersFromDeployment, false);
    assert.deepEqual(updated.deployment?.vms.map((v) => `${String(v.id)}:${v.state}`), ['100:STARTED', '300:PUBLISHING']);
    await allVms(h, p, app.id, 'STARTED');
    await h.tc.until(() => onHosts(h).join() === [`a${app.id}-100:running`, `a${app.id}-300:running`].join());
    const h1 = (await hosts(h)).get('h1');
    assert.equal(h1?.freeCpus, HOST_CAPACITY.cpus - 4, 'the removed VM gave its room back; the added one took its own');

    // startAllDraftVms=false: the added VM is defined and stays STOPPED.
    await h.run(c.updateApplication(p, app.id, { design: { vms: [sampleVm(1), sampleVm(3), sampleVm(4)] } }));
    const quiet = await h.run(c.publishUpdates(p, app.id, { startAllDraftVms: false }));
    assert.equal(quiet.deployment?.vms.length, 3);
    await allVms(h, p, app.id, ['STARTED', 'STARTED', 'STOPPED']);
    await assert.rejects(h.run(c.publishUpdates(p, app.id, { startAllDraftVms: 'no' as unknown as boolean })), code('INVALID_ARGUMENT'));
  });
});

test('redeploy moves a stopped VM to another host; resetDisks redefines it in place; repair needs ERROR; several VMs: all or none', async () => {
  await withStartedApp([1, 2], async ({ h, c, p, app }) => {
    for (const action of ['repair', 'resetDisks'] as const) {
      await assert.rejects(h.run(c.vmAction(p, app.id, 100, action)), code('ILLEGAL_STATE'), `${action} of a STARTED VM`);
    }
    // One VM may stop, the other is already stopping: the pair is refused and neither changes.
    await h.run(c.vmAction(p, app.id, 200, 'stop'));
    await allVms(h, p, app.id, ['STARTED', 'STOPPED']);
    await assert.rejects(h.run(c.vmsAction(p, app.id, [100, 200], 'stop')), code('ILLEGAL_STATE'));
    await assert.rejects(h.run(c.vmsAction(p, app.id, [100, 999], 'stop')), code('NOT_FOUND'));
    assert.deepEqual(await deployedStates(h, p, app.id), ['100:STARTED', '200:STOPPED'], 'refused: nothing changed');
    await h.run(c.vmsAction(p, app.id, [100], 'stop'));
    await allVms(h, p, app.id, 'STOPPED');

    // resetDisks: undefined and defined again on the same host; still STOPPED.
    const applied = h.sim.hosts.get('h1')?.agent?.applied ?? 0;
    await h.run(c.vmAction(p, app.id, 100, 'resetDisks'));
    await h.tc.until(() => (h.sim.hosts.get('h1')?.agent?.applied ?? 0) >= applied + 2);
    assert.deepEqual(await deployedStates(h, p, app.id), ['100:STOPPED', '200:STOPPED']);

    // redeploy: a second host appears; the VM moves there and h1 gets its room back.
    await h.addHost('h2');
    const moved = await h.run(c.vmAction(p, app.id, 200, 'redeploy'));
    assert.equal(moved.deployment?.vms.find((v) => v.id === 200)?.hostId, 'h2');
    await allVms(h, p, app.id, 'STOPPED');
    await h.tc.until(() => onHosts(h).join() === [`a${app.id}-100:stopped`, `a${app.id}-200:stopped`].join() && h.sim.hosts.get('h2')?.hv.list().length === 1);
    const room = await hosts(h);
    assert.equal(room.get('h1')?.freeCpus, HOST_CAPACITY.cpus - 2);
    assert.equal(room.get('h2')?.freeCpus, HOST_CAPACITY.cpus - 2);

    // Both start together, in one call.
    await h.run(c.vmsAction(p, app.id, [100, 200], 'start'));
    await allVms(h, p, app.id, 'STARTED');
  });
});

test('deleting a published application takes its VMs off their hosts and gives the room back', async () => {
  await withStartedApp([1, 2], async ({ h, c, p, app }) => {
    await h.run(c.setExpiration(p, app.id, { expirationFromNowSeconds: 600 }));
    const eip = await h.run(c.allocateElasticIp(p, { location: REGION }));
    await h.run(c.attachElasticIp(p, eip.ip, { applicationId: app.id, vmId: 100, nicId: 102 }, REGION));
    assert.ok((await h.run(c.listElasticIps(p)))[0]?.attachedTo !== undefined);

    await h.run(c.deleteApplication(p, app.id));
    await assert.rejects(h.run(c.getApplication(p, app.id)), code('NOT_FOUND'));
    assert.deepEqual(await h.run(c.listElasticIps(p)), [{ ip: eip.ip, location: REGION }], 'detached, still allocated');
    await h.tc.until(() => onHosts(h).length === 0);
    assert.equal((await hosts(h)).get('h1')?.freeCpus, HOST_CAPACITY.cpus);
    let found: { details: unknown }[] = [];
    await h.tc.until(() => {
      void c.searchNotifications(p, { eventNames: ['APPLICATION_DELETED'] }).then((r) => (found = r.notifications));
      return found.length === 1;
    });
    const [deleted] = found;
    assert.deepEqual(deleted?.details, { vms: ['100', '200'], hosts: ['h1'] });
    // The expiration reminder went with it: nothing fires later.
    await h.tc.advance(700_000, 10_000);
    assert.deepEqual(onHosts(h), []);
  });
});
