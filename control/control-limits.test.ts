/**
 * The organization's limits across all its applications, held by the organization actor: two
 * applications starting at once cannot both take the last room, VMs that stop or go give their
 * share back, and a publish refused for another reason (no room on hosts) holds nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleVm } from '../domain/test-fixtures.ts';
import { code, operator } from './testing/control-harness.ts';
import { withHostedTenant } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

test('limits hold across applications started at once; stopping or deleting gives the share back', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p, organizationId }) => {
    await h.run(c.setLimits(operator, organizationId, { maxRunningVms: 2, maxCpus: 4 }));
    const apps = [];
    for (const name of ['a', 'b']) {
      const app = await h.run(c.createApplication(p, { name, design: { vms: [sampleVm(1), sampleVm(2)] } }));
      await h.run(c.publishApplication(p, app.id, { startAllVms: false }));
      apps.push(app.id);
    }
    for (const id of apps) await allVms(h, p, id, 'STOPPED');
    const [a = 0, b = 0] = apps;

    const raced = await h.run(Promise.allSettled([c.startApplication(p, a), c.startApplication(p, b)]));
    assert.deepEqual(raced.map((r) => r.status).sort(), ['fulfilled', 'rejected'], 'only one of two racing starts fits');
    const refused = raced.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.ok(code('QUOTA_EXCEEDED')(refused?.reason));
    const [winner, loser] = raced[0]?.status === 'fulfilled' ? [a, b] : [b, a];
    await allVms(h, p, winner, 'STARTED');
    await allVms(h, p, loser, 'STOPPED');

    // One VM of the winner stops: one VM of the loser may start, not two. The drop reaches the
    // organization by the application's durable usage reminder, after the stop's own turns (the
    // stop's snapshot among them): until then a start is refused, and changes nothing.
    await h.run(c.vmAction(p, winner, 100, 'stop'));
    await allVms(h, p, winner, ['STOPPED', 'STARTED']);
    await assert.rejects(h.run(c.startApplication(p, loser)), code('QUOTA_EXCEEDED'));
    const deadline = h.tc.clock.now() + 5_000;
    for (;;) {
      try {
        await h.run(c.vmsAction(p, loser, [200], 'start'));
        break;
      } catch (e) {
        if (!code('QUOTA_EXCEEDED')(e) || h.tc.clock.now() >= deadline) throw e;
      }
      await h.tc.advance(100);
    }
    await assert.rejects(h.run(c.startApplication(p, loser)), code('QUOTA_EXCEEDED'));
    await allVms(h, p, loser, ['STOPPED', 'STARTED']);

    // Deleting the winner frees its share: the loser's other VM starts.
    await h.run(c.deleteApplication(p, winner));
    await h.run(c.vmAction(p, loser, 100, 'start'));
    await allVms(h, p, loser, 'STARTED');

    // No room on the host (8 CPUs): refused as UNAVAILABLE, and the claim it made is given back.
    await h.run(c.setLimits(operator, organizationId, { maxRunningVms: 8 }));
    const huge = await h.run(c.createApplication(p, { name: 'huge', design: { vms: [sampleVm(5, { numCpus: 8 })] } }));
    await assert.rejects(h.run(c.publishApplication(p, huge.id, {})), code('UNAVAILABLE'));
    await h.run(c.setLimits(operator, organizationId, { maxRunningVms: 3 }));
    const small = await h.run(c.createApplication(p, { name: 'small', design: { vms: [sampleVm(6, { numCpus: 1 })] } }));
    await h.run(c.publishApplication(p, small.id, {}));
    await allVms(h, p, small.id, 'STARTED');
  });
});
