/**
 * A move of several VMs (repair, redeploy) refused after some of them were placed (no room for
 * the last) gives back the room the others took, and tried again holds room for each: it must
 * not be answered the first try's placement, whose room is gone, or two VMs share one VM's room.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOST_CAPACITY, HOST_DEAD_AFTER_MS, REGION, code, operator } from './testing/control-harness.ts';
import { withStartedApp } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

/** Room for one sampleVm (2 CPUs) only. */
const ONE_VM = { cpus: 2, memoryMb: HOST_CAPACITY.memoryMb };

/**
 * Two VMs left in ERROR by their dead host, repaired together where there is room for one, then
 * again once there is room for both; with `moved`, the retry runs on a node that never saw the
 * refusal (a restart): the forgetting must be known to the region, not to a node.
 */
async function refusedThenRetried(moved: boolean): Promise<void> {
  await withStartedApp([1, 2], async ({ h, p, app }) => {
    // h1 dies with no other host: both VMs are left in ERROR with no host.
    await h.tc.drive(h.sim.silence('h1'));
    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    await allVms(h, p, app.id, 'ERROR');
    const free = async (host: string): Promise<number | undefined> => (await h.run(h.control.listHosts(operator, REGION))).find((x) => x.id === host)?.freeCpus;

    await h.addHost('h2', ONE_VM);
    await assert.rejects(h.run(h.control.vmsAction(p, app.id, [100, 200], 'repair')), code('UNAVAILABLE'));
    if (moved) await h.restart();
    assert.equal(await free('h2'), ONE_VM.cpus, 'the refused repair gave back the room it took for the first VM');
    const refused = await h.run(h.control.getApplication(p, app.id, 'deployment'));
    assert.deepEqual(refused.deployment?.vms.map((v) => [v.state, v.hostId]), [['ERROR', undefined], ['ERROR', undefined]], 'nothing changed');

    await h.addHost('h3', ONE_VM);
    const repaired = await h.run(h.control.vmsAction(p, app.id, [100, 200], 'repair'));
    assert.deepEqual(repaired.deployment?.vms.map((v) => v.hostId).sort(), ['h2', 'h3'], 'one VM on each host: each has room for one');
    assert.deepEqual([await free('h2'), await free('h3')], [0, 0], 'each repaired VM holds its room');
    // A repair defines each VM on its new host, left STOPPED there.
    await allVms(h, p, app.id, 'STOPPED');
    assert.deepEqual(['h2', 'h3'].map((x) => h.sim.hosts.get(x)?.hv.list().length), [1, 1], 'one VM defined on each host');
  });
}

test('a repair of two VMs refused for want of room for the second gives back the first one’s room, and tried again holds room for both', () => refusedThenRetried(false));

test('a repair refused after placing, then tried again on another node (the application moved), holds room for each VM', () => refusedThenRetried(true));
