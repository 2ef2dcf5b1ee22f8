/**
 * A VM left STOPPING because its host's report was lost (the agent gone while the VM stopped, so
 * nothing reported it) settles: after SETTLE_AFTER_MS its stop is sent again, the agent answers
 * with the VM's state now, and the VM is STOPPED (and snapshotted, as any stop).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hvxVmId } from '../actors/kinds/application/application-host-commands.ts';
import { SETTLE_AFTER_MS } from '../actors/kinds/application/application-settle.ts';
import { SIM_SHUTDOWN_MS } from './testing/sim-hosts.ts';
import { withStartedApp } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

test('a VM whose stop report was lost is settled STOPPED once its stop is sent again', async () => {
  await withStartedApp([1], async ({ h, c, p, app }) => {
    const vmId = hvxVmId(app.id, '100');
    const hv = h.sim.hosts.get('h1')!.hv;
    await h.run(c.stopApplication(p, app.id));
    await h.tc.until(() => hv.get(vmId)?.state === 'stopping', 30_000, 50);
    // The agent goes; the VM stops with nobody to report it; a new agent comes.
    await h.tc.drive(h.sim.detach());
    await h.tc.advance(SIM_SHUTDOWN_MS * 2, 250);
    assert.equal(hv.get(vmId)?.state, 'stopped');
    await h.tc.drive(h.sim.attach(h.tc.bus));
    await h.tc.advance(30_000, 250);
    const stuck = await h.run(c.getApplication(p, app.id, 'deployment'));
    assert.equal(stuck.deployment?.vms[0]?.state, 'STOPPING', 'the lost report left it STOPPING');
    await h.tc.advance(SETTLE_AFTER_MS, 1000);
    await allVms(h, p, app.id, 'STOPPED');
  });
});
