/**
 * A publish refused after it took public addresses gives them back; tried again, it takes fresh
 * ones and never an address it gave back, which may meanwhile be someone else's (here the
 * organization's, as an elastic IP).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleVm } from '../domain/test-fixtures.ts';
import { code, REGION } from './testing/control-harness.ts';
import { withHostedTenant } from './testing/control-fixtures.ts';
import { onceAddressesAreBack } from './testing/deployment-helpers.ts';

const exposedVm = (n: number) => sampleVm(n, {
  numCpus: 1,
  memorySize: { unit: 'MB', value: 512 },
  suppliedServices: [{ name: 'web', portRange: '80', protocol: 'HTTP', external: true }],
});

test('a publish refused after taking an address, then tried again, does not use the address it gave back', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p }) => {
    // The region's range has 14 addresses: 13 held as elastic IPs leave one for two exposed VMs.
    const held = [];
    for (let i = 0; i < 13; i++) held.push(await h.run(c.allocateElasticIp(p, { location: REGION })));
    const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [exposedVm(1), exposedVm(2)] } }));
    await assert.rejects(h.run(c.publishApplication(p, app.id, {})), code('QUOTA_EXCEEDED'));
    // The address VM 1 took and gave back is now the organization's.
    const x = await h.run(c.allocateElasticIp(p, { location: REGION }));
    for (const e of held.slice(0, 2)) await h.run(c.releaseElasticIp(p, e.ip));
    const published = await onceAddressesAreBack(h, () => c.publishApplication(p, app.id, {}));
    const ips = published.deployment?.vms.map((v) => v.publicIps?.[0]) ?? [];
    assert.equal(ips.length, 2);
    assert.ok(!ips.includes(x.ip), `published ${JSON.stringify(ips)} reuses the organization's elastic IP ${x.ip}`);
    assert.deepEqual([...ips].sort(), held.slice(0, 2).map((e) => e.ip).sort(), 'the two addresses the organization released');
    // Each address has one owner: the region has none left, and deleting the application frees exactly its two.
    await assert.rejects(h.run(c.allocateElasticIp(p, { location: REGION })), code('QUOTA_EXCEEDED'));
    await h.run(c.deleteApplication(p, app.id));
    const back = [await h.run(c.allocateElasticIp(p, { location: REGION })), await h.run(c.allocateElasticIp(p, { location: REGION }))];
    assert.deepEqual(back.map((e) => e.ip).sort(), [...ips].sort());
  });
});
