/**
 * An expiration and a host's death, in either order, when the region has no other room: each VM
 * of the lost host ends STOPPED, taken off the dead host with its room there given back, never
 * left in ERROR where the expiration was due. (The cluster fault run found applications publishing
 * onto an HVX agent that was then killed left in ERROR, their expiration spent.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleVm } from '../domain/test-fixtures.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { HOST_CAPACITY, HOST_DEAD_AFTER_MS, REGION, operator, type ControlHarness } from './testing/control-harness.ts';
import { withHostedTenant, withStartedApp } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

/** Every VM STOPPED with no host, the expiration spent, and the dead host holding nothing of them. */
async function stoppedOffHost(h: ControlHarness, p: Principal, id: number, deadHost: string): Promise<void> {
  await allVms(h, p, id, 'STOPPED');
  const app = await h.run(h.control.getApplication(p, id, 'deployment'));
  assert.deepEqual(app.deployment?.vms.map((v) => [v.state, v.hostId]), [['STOPPED', undefined], ['STOPPED', undefined]], 'taken off the dead host');
  assert.equal(app.nextStopTime, undefined, 'the expiration is spent');
  const dead = (await h.run(h.control.listHosts(operator, REGION))).find((x) => x.id === deadHost);
  assert.deepEqual(dead && [dead.accepting, dead.freeCpus, dead.freeMemoryMb], [false, HOST_CAPACITY.cpus, HOST_CAPACITY.memoryMb], 'their room on the dead host given back');
}

/** Once a host joins the region, starting the application places its VMs there anew and they boot. */
async function startsElsewhere(h: ControlHarness, p: Principal, id: number, host: string): Promise<void> {
  await h.addHost(host);
  await h.run(h.control.startApplication(p, id));
  await allVms(h, p, id, 'STARTED');
  const app = await h.run(h.control.getApplication(p, id, 'deployment'));
  assert.deepEqual(app.deployment?.vms.map((v) => v.hostId), [host, host]);
}

test('VMs left in ERROR by a lost host with no room to repair them are STOPPED by the expiration, off the dead host', async () => {
  await withStartedApp([1, 2], async ({ h, c, p, app }) => {
    await h.tc.drive(h.sim.silence('h1'));
    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    await allVms(h, p, app.id, 'ERROR');
    await h.run(c.setExpiration(p, app.id, { expirationFromNowSeconds: 10 }));
    await h.tc.advance(12_000, 250);
    await stoppedOffHost(h, p, app.id, 'h1');
    await startsElsewhere(h, p, app.id, 'h2');
  });
});

test('a host lost while the expiration waits on VMs publishing onto it leaves them STOPPED, off it', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p }) => {
    // The host stops answering before the VMs are defined there: they stay PUBLISHING, which
    // the expiration cannot stop, so it waits for them (and keeps firing again).
    await h.tc.drive(h.sim.silence('h1'));
    const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [sampleVm(1), sampleVm(2)] } }));
    await h.run(c.publishApplication(p, app.id, {}));
    await h.run(c.setExpiration(p, app.id, { expirationFromNowSeconds: 5 }));
    await h.tc.advance(10_000, 250);
    const waiting = await h.run(c.getApplication(p, app.id, 'deployment'));
    assert.deepEqual(waiting.deployment?.vms.map((v) => v.state), ['PUBLISHING', 'PUBLISHING']);
    assert.ok(waiting.nextStopTime !== undefined, 'the expiration waits for them');

    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    await stoppedOffHost(h, p, app.id, 'h1');
    await startsElsewhere(h, p, app.id, 'h2');
  });
});

test('a host lost after the expiration began stopping its VMs, as they were starting, leaves them STOPPED, off it', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p }) => {
    const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [sampleVm(1), sampleVm(2)] } }));
    await h.run(c.publishApplication(p, app.id, {}));
    // Defined on h1 and booting when h1 stops answering: the boot report never comes.
    await allVms(h, p, app.id, 'STARTING');
    await h.tc.drive(h.sim.silence('h1'));
    await h.run(c.setExpiration(p, app.id, { expirationFromNowSeconds: 1 }));
    await h.tc.advance(3_000, 250);
    const stopping = await h.run(c.getApplication(p, app.id, 'deployment'));
    assert.deepEqual(stopping.deployment?.vms.map((v) => v.state), ['STOPPING', 'STOPPING'], 'the expiration powers them off');
    assert.equal(stopping.nextStopTime, undefined);

    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    await stoppedOffHost(h, p, app.id, 'h1');
    await startsElsewhere(h, p, app.id, 'h2');
  });
});
