import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventRecord } from '../schemas/event.ts';
import { billRuns } from './billing.ts';
import { billingChanges } from './billing-events.ts';

const HOUR = 3_600_000;
const t0 = Date.UTC(2026, 0, 31, 22); // two hours before February

let seq = 0;
function rec(name: EventRecord['name'], time: number, details: Record<string, unknown>, app = 7): EventRecord {
  return { sequence: ++seq, tenantId: 1, time, principal: { kind: 'system' }, name, subjects: [{ type: 'APPLICATION', id: String(app) }], details };
}

test('runs from STARTED to STOPPED, ERROR, deletion or removal, at the carried price, split by month', () => {
  const records = [
    rec('VM_STATE_CHANGED', t0, { vmId: '100', from: 'STARTING', to: 'STARTED', microsPerHour: 60_000 }),
    rec('VM_STATE_CHANGED', t0 - HOUR, { vmId: '200', from: 'PUBLISHING', to: 'STARTING', microsPerHour: 10 }), // not a run yet
    rec('VM_STATE_CHANGED', t0, { vmId: '200', from: 'STARTING', to: 'STARTED', microsPerHour: 30_000 }),
    rec('VM_STATE_CHANGED', t0 + 3 * HOUR, { vmId: '100', from: 'STOPPING', to: 'STOPPED', microsPerHour: 60_000 }),
    rec('HOST_DOWN', t0 + HOUR, { host: 'h1', vms: ['200'] }),
    rec('VM_STATE_CHANGED', t0, { vmId: '300', from: 'STARTING', to: 'STARTED', microsPerHour: 1_000 }, 8),
    rec('APPLICATION_DELETED', t0 + 2 * HOUR, { vms: ['300'] }, 8),
    rec('VM_STATE_CHANGED', t0, { vmId: '400', from: 'STARTING', to: 'STARTED', microsPerHour: 1_000 }, 9),
    rec('APPLICATION_UPDATES_PUBLISHED', t0 + HOUR / 2, { added: [], removed: ['400'], changed: [] }, 9),
    rec('USER_LOGIN', t0, { vms: ['100'] }),
  ];
  const lines = billRuns(billingChanges(records.reverse()), t0 + 10 * HOUR);
  const view = lines.map((l) => `${l.month} ${l.applicationId}/${l.vmKey} ${l.runMs / HOUR}h ${l.micros}`);
  assert.deepEqual(view, [
    '2026-01 7/100 2h 120000',
    '2026-01 7/200 1h 30000',
    '2026-01 8/300 2h 2000',
    '2026-01 9/400 0.5h 500',
    '2026-02 7/100 1h 60000',
  ]);
});

test('a VM still running is billed up to now; malformed details are ignored', () => {
  const records = [
    rec('VM_STATE_CHANGED', t0, { vmId: '100', to: 'STARTED', microsPerHour: 3_600 }),
    rec('VM_STATE_CHANGED', t0, { vmId: 5, to: 'STARTED', microsPerHour: 1 }),
    rec('VM_STATE_CHANGED', t0, { vmId: '101', to: 'STARTED', microsPerHour: -4 }),
  ];
  const lines = billRuns(billingChanges(records), t0 + HOUR / 4);
  assert.deepEqual(lines.map((l) => [l.vmKey, l.micros]), [['100', 900], ['101', 0]]);
});
