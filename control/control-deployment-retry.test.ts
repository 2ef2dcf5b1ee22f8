/**
 * A publish (or publish of updates) refused after its placement (no public address left) gives the room back, and a
 * publish tried again holds room again: it must not be answered the first attempt's placement,
 * whose room is gone, or another application is placed over it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleVm } from '../domain/test-fixtures.ts';
import { code, HOST_CAPACITY, operator, REGION } from './testing/control-harness.ts';
import { onceAddressesAreBack } from './testing/deployment-helpers.ts';
import { withHostedTenant } from './testing/control-fixtures.ts';

const exposedVm = (n: number) =>
  sampleVm(n, { numCpus: 2, memorySize: { unit: 'MB', value: 512 }, suppliedServices: [{ name: 'ssh', portRange: '22', protocol: 'SSH', external: true }] });

/**
 * A publish refused after placing (every address held), then tried again once two addresses are
 * free; with `moved`, the retry runs on a node that never saw the refusal (a restart, as when
 * the application's shard moves): the giving back must be known to the region, not to a node.
 */
async function refusedThenRetried(moved: boolean): Promise<void> {
  await withHostedTenant(['h1'], async ({ h, p }) => {
    // The region's range has 14 addresses: hold them all, so exposing a VM is refused.
    const held = [];
    for (let i = 0; i < 14; i++) held.push(await h.run(h.control.allocateElasticIp(p, { location: REGION })));
    const app = await h.run(h.control.createApplication(p, { name: 'web', design: { vms: [exposedVm(1), exposedVm(2)] } }));
    await assert.rejects(h.run(h.control.publishApplication(p, app.id, {})), code('QUOTA_EXCEEDED'));
    if (moved) await h.restart();
    const free = async (): Promise<number | undefined> => (await h.run(h.control.listHosts(operator, REGION)))[0]?.freeCpus;
    assert.equal(await free(), HOST_CAPACITY.cpus, 'the refused publish gave its room back');

    for (const e of held.slice(0, 2)) await h.run(h.control.releaseElasticIp(p, e.ip));
    const published = await onceAddressesAreBack(h, () => h.control.publishApplication(p, app.id, {}));
    assert.deepEqual(published.deployment?.vms.map((v) => v.hostId), ['h1', 'h1']);
    assert.equal(await free(), HOST_CAPACITY.cpus - 4, 'the published VMs hold their room');
  });
}

test('a publish refused after placing, then tried again, holds its room on the hosts', () => refusedThenRetried(false));

test('a publish refused after placing, then tried again on another node (the application moved), holds its room on the hosts', () => refusedThenRetried(true));

test('publishing updates refused after placing the added VMs, then tried again, holds their room on the hosts', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p }) => {
    const plain = sampleVm(1, { numCpus: 2, memorySize: { unit: 'MB', value: 512 } });
    const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [plain] } }));
    await h.run(c.publishApplication(p, app.id, {}));
    const free = async (): Promise<number | undefined> => (await h.run(c.listHosts(operator, REGION)))[0]?.freeCpus;
    assert.equal(await free(), HOST_CAPACITY.cpus - 2);

    const held = [];
    for (let i = 0; i < 14; i++) held.push(await h.run(c.allocateElasticIp(p, { location: REGION })));
    await h.run(c.updateApplication(p, app.id, { design: { vms: [plain, exposedVm(2), exposedVm(3)] } }));
    await assert.rejects(h.run(c.publishUpdates(p, app.id, {})), code('QUOTA_EXCEEDED'));
    assert.equal(await free(), HOST_CAPACITY.cpus - 2, 'the refused update gave its room back');

    for (const e of held.slice(0, 2)) await h.run(c.releaseElasticIp(p, e.ip));
    const updated = await onceAddressesAreBack(h, () => c.publishUpdates(p, app.id, {}));
    assert.deepEqual(updated.deployment?.vms.map((v) => v.hostId), ['h1', 'h1', 'h1']);
    assert.equal(await free(), HOST_CAPACITY.cpus - 6, 'the added VMs hold their room');
  });
});
