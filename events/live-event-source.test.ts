import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../core/log.ts';
import { ControlHarness, operator } from '../control/testing/control-harness.ts';
import type { LiveEvent } from '../gateway/live/live-events.ts';
import { TenantLiveEvents } from './live-event-source.ts';

test('live events: appended records reach subscribers with their tenant sequence and topics; resume reads the stored stream from a sequence', async () => {
  const h = await ControlHarness.start();
  try {
    const live = new TenantLiveEvents(h.tc.bus, h.events, silentLogger);
    const seen: LiveEvent[] = [];
    const stop = live.subscribe((e) => seen.push(e));
    const { organization } = await h.run(h.control.createOrganization(operator, { name: 'acme', admin: { email: 'root@acme', password: 'root-password' } }));
    const s = (await h.run(h.control.login('root@acme', 'root-password')))!;
    await h.run(h.control.createApplication(s.principal, { name: 'web' }));
    await h.tc.until(() => seen.length === 4);
    assert.deepEqual(seen.map((e) => e.seq), [1, 2, 3, 4]);
    assert.deepEqual(seen[3]?.topics, ['events', 'applications']);
    assert.ok(seen.every((e) => e.tenantId === String(organization.id)));
    stop();

    const tenant = String(organization.id);
    assert.equal(await h.run(live.lastSequence(tenant)), 4);
    const resumed: number[] = [];
    await h.run((async () => {
      for await (const e of live.resume(tenant, 3)) resumed.push(e.seq);
    })());
    assert.deepEqual(resumed, [3, 4], 'from the sequence to the end as of the call, then it ends');
    const none: number[] = [];
    await h.run((async () => {
      for await (const e of live.resume('operators', 1)) none.push(e.seq);
    })());
    assert.deepEqual(none, [], 'a principal without an organization has no stream');
    assert.equal(await h.run(live.lastSequence('operators')), 0);
  } finally {
    await h.close();
  }
});
