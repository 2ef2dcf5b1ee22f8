/**
 * A host declared dead with VMs that are not running, or on their way down: they do not come
 * back up. Stopped VMs stay STOPPED, taken off the dead host and placed anew when started; so do
 * VMs the expiration was stopping when their host died.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleVm } from '../domain/test-fixtures.ts';
import { HOST_DEAD_AFTER_MS, REGION, code, operator } from './testing/control-harness.ts';
import { withHostedTenant, withStartedApp } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';
import { hvxVmId } from '../actors/kinds/application/application-host-commands.ts';

test('stopped VMs of a dead host stay STOPPED, off the host, and are placed anew when started', async () => {
  await withStartedApp([1, 2], async ({ h, c, p, app }) => {
    await h.run(c.stopApplication(p, app.id));
    await allVms(h, p, app.id, 'STOPPED');
    await h.tc.drive(h.sim.silence('h1'));
    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    assert.deepEqual((await h.run(c.listHosts(operator, REGION))).map((x) => [x.id, x.accepting]), [['h1', false]], 'h1 declared dead');
    await h.tc.advance(5_000, 250);
    const lost = await h.run(c.getApplication(p, app.id, 'deployment'));
    assert.deepEqual(lost.deployment?.vms.map((v) => [v.state, v.hostId]), [['STOPPED', undefined], ['STOPPED', undefined]]);
    await assert.rejects(h.run(c.vmAction(p, app.id, 100, 'resetDisks')), code('ILLEGAL_STATE'), 'resetDisks needs a host');

    await h.addHost('h2');
    await h.run(c.startApplication(p, app.id));
    await allVms(h, p, app.id, 'STARTED');
    const started = await h.run(c.getApplication(p, app.id, 'deployment'));
    assert.deepEqual(started.deployment?.vms.map((v) => v.hostId), ['h2', 'h2']);
    assert.deepEqual(h.sim.hosts.get('h2')?.hv.list().map((v) => v.state), ['running', 'running']);
  });
});

test('an expiration that falls while its VMs’ host is dying is kept: the VM being stopped there is left STOPPED, off it', async () => {
  await withHostedTenant(['h1', 'h2'], async ({ h, c, p }) => {
    const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [sampleVm(1), sampleVm(2)] } }));
    const published = await h.run(c.publishApplication(p, app.id, { preferredRegion: REGION }));
    const onH1 = published.deployment?.vms.findIndex((v) => v.hostId === 'h1') ?? -1;
    assert.ok(onH1 >= 0, 'a VM on h1');
    await allVms(h, p, app.id, 'STARTED');
    // h1 stops answering; the expiration comes due before h1 is declared dead, so its VM is
    // left STOPPING (the shutdown waits on the silent host's queue) and nextStopTime is cleared.
    await h.tc.drive(h.sim.silence('h1'));
    await h.run(c.setExpiration(p, app.id, { expirationFromNowSeconds: 10 }));
    await h.tc.advance(15_000, 250);
    const expiring = await h.run(c.getApplication(p, app.id, 'deployment'));
    assert.equal(expiring.deployment?.vms[onH1]?.state, 'STOPPING');
    assert.equal(expiring.nextStopTime, undefined);

    // Up to just before h1 is declared dead, then in small steps: the repair's asks time out in clock time.
    await h.tc.advance(HOST_DEAD_AFTER_MS - 10_000, 250);
    await allVms(h, p, app.id, 'STOPPED');
    await h.tc.advance(20_000, 250); // time enough for a boot, had one been asked for
    const after = await h.run(c.getApplication(p, app.id, 'deployment'));
    const want = [0, 1].map((i) => ['STOPPED', i === onH1 ? undefined : 'h2']);
    assert.deepEqual(after.deployment?.vms.map((v) => [v.state, v.hostId]), want, 'the one on h1 off the dead host, none booted');
    assert.deepEqual(h.sim.hosts.get('h2')?.hv.list().filter((v) => v.state !== 'stopped'), []);
  });
});

test('a VM failed on a host that then dies is left STOPPED, off it, not repaired; the others are', async () => {
  await withStartedApp([1, 2], async ({ h, c, p, app }) => {
    h.sim.hosts.get('h1')?.hv.crash(hvxVmId(app.id, '100'));
    await allVms(h, p, app.id, ['ERROR', 'STARTED']);
    await h.addHost('h2');
    await h.tc.drive(h.sim.silence('h1'));
    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    await allVms(h, p, app.id, ['STOPPED', 'STARTED']);
    const after = await h.run(c.getApplication(p, app.id, 'deployment'));
    assert.deepEqual(after.deployment?.vms.map((v) => [v.state, v.hostId]), [['STOPPED', undefined], ['STARTED', 'h2']]);
  });
});

test('stopping one VM, or the application, left in ERROR by a lost host with no room to repair them leaves them STOPPED', async () => {
  await withStartedApp([1, 2], async ({ h, c, p, app }) => {
    await h.tc.drive(h.sim.silence('h1'));
    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    await allVms(h, p, app.id, 'ERROR');
    const one = await h.run(c.vmAction(p, app.id, 100, 'poweroff'));
    assert.deepEqual(one.deployment?.vms.map((v) => [v.state, v.hostId]), [['STOPPED', undefined], ['ERROR', undefined]], 'one VM powered off alone is given up: STOPPED, the other left as it was');
    await assert.rejects(h.run(c.vmAction(p, app.id, 100, 'restart')), code('ILLEGAL_STATE'), 'a stopped VM takes no restart');
    const stopped = await h.run(c.stopApplication(p, app.id));
    assert.deepEqual(stopped.deployment?.vms.map((v) => [v.state, v.hostId]), [['STOPPED', undefined], ['STOPPED', undefined]]);
    await h.addHost('h2');
    await h.run(c.startApplication(p, app.id));
    await allVms(h, p, app.id, 'STARTED');
  });
});
