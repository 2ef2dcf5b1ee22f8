import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../core/log.ts';
import { ControlHarness, operator } from '../control/testing/control-harness.ts';
import type { LiveEvent } from '../gateway/live/live-events.ts';
import { TenantLiveEvents } from './live-event-source.ts';

test('live events: appended records reach subscribers with their tenant sequence; resume reads from a sequence', async () => {
  const h = await ControlHarness.start();
  try {
    const live = new TenantLiveEvents(h.tc.bus, h.events, silentLogger);
    const seen: LiveEvent[] = [];
    const stop = live.subscribe((e) => seen.push(e));
    const { organization } = await h.run(h.control.createOrganization(operator, { name: 'acme', admin: { email: 'root@acme', password: 'root-password' } }));
    const s = (await h.run(h.control.login('root@acme', 'root-password')))!;
    await h.run(h.control.createApplication(s.principal, { name: 'web' }));
    await h.tc.until(() => seen.filter((e) => e.topic === 'events').length === 4);
    assert.deepEqual(seen.filter((e) => e.topic === 'events').map((e) => e.seq), [1, 2, 3, 4]);
    assert.deepEqual(seen.filter((e) => e.topic === 'applications').map((e) => e.seq), [4]);
    assert.ok(seen.every((e) => e.tenantId === String(organization.id)));
    stop();

    const abort = new AbortController();
    const resumed: number[] = [];
    const reading = (async () => {
      for await (const e of live.resume(organization.id, 3, abort.signal)) {
        if (e.topic === 'events') resumed.push(e.seq);
        if (resumed.length === 2) abort.abort();
      }
    })();
    await h.run(reading);
    assert.deepEqual(resumed, [3, 4]);
  } finally {
    await h.close();
  }
});
