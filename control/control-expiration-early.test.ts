/**
 * An expiration that falls while the application's VMs are still coming up (rebooting, publishing)
 * is not forgotten: it stops them once they can stop. (The chaos run found one forgotten when a
 * node's crash had delayed the boot reports past the expiration.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REGION } from './testing/control-harness.ts';
import { withStartedApp } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

test('an expiration due while the VMs reboot stops them once they are up', async () => {
  await withStartedApp([1, 2], async ({ h, c, p, app }) => {
    // A reboot takes the sim's shutdown and boot time: the expiration falls while both VMs are
    // RESTARTING, a state that cannot take a stop.
    const restarting = await h.run(c.restartApplication(p, app.id));
    assert.deepEqual(restarting.deployment?.vms.map((v) => v.state), ['RESTARTING', 'RESTARTING']);
    const expiring = await h.run(c.setExpiration(p, app.id, { expirationFromNowSeconds: 1 }));
    assert.ok(expiring.nextStopTime !== undefined);
    await allVms(h, p, app.id, 'STOPPED');
    const after = await h.run(c.getApplication(p, app.id));
    assert.equal(after.nextStopTime, undefined, 'the expiration is spent once it has stopped them');
    assert.deepEqual(h.sim.hosts.get('h1')?.hv.list().map((v) => v.state), ['stopped', 'stopped']);
  }, { publish: { preferredRegion: REGION } });
});
