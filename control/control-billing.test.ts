/**
 * Billing end to end: a VM's run from the host's boot report to its stop report, at the region's
 * price for its size, read back from the tenant's event stream, by month.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventRecord } from '../domain/events.ts';
import { monthKey } from '../domain/billing/billing.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import { code } from './testing/control-harness.ts';
import { withHostedTenant } from './testing/control-fixtures.ts';
import { allVms, tenant } from './testing/deployment-helpers.ts';

const HOUR = 3_600_000;

test('billing: run time between the boot and stop reports times the VM’s price, for the month asked', async () => {
  await withHostedTenant(['h1'], async ({ h, c, p }) => {
    // 2 CPUs at 0.02 and 4 GB at 0.01 an hour (the harness region): 0.08 an hour.
    const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [sampleVm(1)] } }));
    assert.deepEqual(await h.run(c.billing(p, {})), [], 'nothing ran yet');
    const quote = await h.run(c.calcPrice(p, app.id, 'design'));
    assert.deepEqual([quote.region, quote.totalMicrosPerHour, quote.totalPerHour], ['us-east', 80_000, 0.08]);
    await assert.rejects(h.run(c.calcPrice(p, app.id, 'deployment')), code('ILLEGAL_STATE'), 'a draft has no deployment');
    await h.run(c.publishApplication(p, app.id, {}));
    await allVms(h, p, app.id, 'STARTED');
    assert.equal((await h.run(c.calcPrice(p, app.id, 'deployment'))).totalMicrosPerHour, 80_000);
    // Two minutes of run, in steps short enough for heartbeats to keep the host alive on a loaded machine.
    await h.tc.advance(2 * 60_000, 500);
    await h.run(c.stopApplication(p, app.id));
    await allVms(h, p, app.id, 'STOPPED');

    let changes: EventRecord[] = [];
    await h.tc.until(() => {
      void c.searchNotifications(p, { eventNames: ['VM_STATE_CHANGED'] }).then((r) => (changes = r.notifications));
      return changes.some((e) => e.details['to'] === 'STOPPED');
    });
    const from = changes.find((e) => e.details['to'] === 'STARTED')?.time ?? NaN;
    const to = changes.find((e) => e.details['to'] === 'STOPPED')?.time ?? NaN;
    assert.ok(to - from >= 2 * 60_000, `ran ${to - from} ms`);

    const lines = await h.run(c.billing(p, {}));
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.applicationId, app.id);
    assert.equal(line?.vmId, '100');
    assert.equal(line?.runMs, to - from);
    assert.equal(line?.micros, Math.round(((to - from) * 80_000) / HOUR));
    assert.equal(line?.month, monthKey(from));

    const [year, month] = (line?.month ?? '').split('-').map(Number);
    assert.deepEqual(await h.run(c.billing(p, { year: year ?? 0, month: month ?? 0 })), lines);
    assert.deepEqual(await h.run(c.billing(p, { year: (year ?? 0) - 1, month: month ?? 0 })), []);
    await assert.rejects(h.run(c.billing(p, { month: 3 })), code('INVALID_ARGUMENT'));
    await assert.rejects(h.run(c.billing(p, { year: 2026, month: 13 })), code('INVALID_ARGUMENT'));
    const rival = await tenant(h, 'rival');
    assert.deepEqual(await h.run(c.billing(rival.p, {})), [], 'another tenant sees only its own');
  });
});
