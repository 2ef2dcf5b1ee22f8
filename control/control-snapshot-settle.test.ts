/**
 * The safety net for a VM left STARTING or STOPPING because its host's report was lost (the agent
 * gone while the VM booted or stopped, so nothing reported it): after SETTLE_AFTER_MS its start or
 * stop is sent again, the agent answers with the VM's state now, and the VM settles (STOPPED, and
 * snapshotted as any stop; or STARTED). A report that comes in time sends nothing again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hvxVmId } from '../actors/kinds/application/application-host-commands.ts';
import { SETTLE_AFTER_MS } from '../actors/kinds/application/application-settle.ts';
import { SIM_BOOT_MS } from './testing/sim-hosts.ts';
import { withStartedApp, type StartedApp } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

/**
 * Once the VM is `from` on host h1, its agent goes; the VM gets to `to` with nobody to report it;
 * a new agent comes. Asserts the lost report left the VM in `stuck`.
 */
async function loseReport(t: StartedApp, from: string, to: string, stuck: string): Promise<void> {
  const { h, c, p, app } = t;
  const vmId = hvxVmId(app.id, '100');
  const hv = h.sim.hosts.get('h1')!.hv;
  await h.tc.until(() => hv.get(vmId)?.state === from, 30_000, 50);
  await h.tc.drive(h.sim.detach());
  await h.tc.advance(SIM_BOOT_MS * 2, 250);
  assert.equal(hv.get(vmId)?.state, to);
  await h.tc.drive(h.sim.attach(h.tc.bus));
  await h.tc.advance(30_000, 250);
  const vm = (await h.run(c.getApplication(p, app.id, 'deployment'))).deployment?.vms[0];
  assert.equal(vm?.state, stuck, `the lost report left it ${stuck}`);
}

/** Commands h1's agent has applied since it started. */
const applied = (t: StartedApp): number => t.h.sim.hosts.get('h1')?.agent?.applied ?? 0;

test('a VM whose stop report was lost is settled STOPPED once its stop is sent again', async () => {
  await withStartedApp([1], async (t) => {
    await t.h.run(t.c.stopApplication(t.p, t.app.id));
    await loseReport(t, 'stopping', 'stopped', 'STOPPING');
    await t.h.tc.advance(SETTLE_AFTER_MS, 1000);
    await allVms(t.h, t.p, t.app.id, 'STOPPED');
  });
});

test('a VM whose start report was lost is settled STARTED once its start is sent again', async () => {
  await withStartedApp([1], async (t) => {
    const { h, c, p, app } = t;
    await h.run(c.stopApplication(p, app.id));
    await allVms(h, p, app.id, 'STOPPED');
    await h.run(c.startApplication(p, app.id));
    await loseReport(t, 'starting', 'running', 'STARTING');
    const before = applied(t);
    await h.tc.advance(SETTLE_AFTER_MS, 1000);
    await allVms(h, p, app.id, 'STARTED');
    assert.equal(applied(t), before + 1, 'its start sent again, once');
  });
});

test('a VM whose reports come in time has nothing sent again', async () => {
  await withStartedApp([1], async (t) => {
    const { h, c, p, app } = t;
    const start = applied(t);
    await h.run(c.stopApplication(p, app.id));
    await allVms(h, p, app.id, 'STOPPED');
    await h.run(c.startApplication(p, app.id));
    await allVms(h, p, app.id, 'STARTED');
    // The shutdown, the snapshot of the stop, the start.
    await h.tc.until(() => applied(t) >= start + 3, 30_000, 100);
    const settled = applied(t);
    assert.equal(settled, start + 3);
    await h.tc.advance(SETTLE_AFTER_MS * 2, 5000);
    assert.equal(applied(t), settled, 'no command sent again');
    await allVms(h, p, app.id, 'STARTED');
  });
});
