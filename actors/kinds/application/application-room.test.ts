import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roomHeld } from './application-room.ts';
import type { ApplicationState } from './application-state.ts';

/** A live application whose deployment places VMs by id on hosts, with snapshots awaited of some hosts. */
function live(hosts: Record<number, string | undefined>, snapshots: Record<string, string> = {}): ApplicationState {
  const vms = Object.entries(hosts).map(([id, hostId]) => ({ id: Number(id), ...(hostId === undefined ? {} : { hostId }) }));
  const runtime = { vms: Object.fromEntries(Object.entries(snapshots).map(([k, host]) => [k, { snapshot: { command: `c-${k}`, host } }])), outgoing: [] };
  return { status: 'live', organizationId: 1, app: { id: 7, deployment: { vms } }, runtime, outbox: {} } as unknown as ApplicationState;
}

test('an application holds room on a host for its VMs placed there, and for VMs moved away whose snapshot that host still owes', () => {
  const s = live({ 100: 'h1', 200: 'h2', 300: undefined, 400: 'h2' }, { '400': 'h1' });
  assert.deepEqual(roomHeld(s, 'h1', ['100', '200', '300', '400', '500']), ['100', '400']);
  assert.deepEqual(roomHeld(s, 'h2', ['100', '200', '400']), ['200', '400']);
  assert.deepEqual(roomHeld(s, 'h3', ['100', '300']), [], 'a VM with no host holds none');
});

test('an application that is gone, or not published, holds no room', () => {
  assert.deepEqual(roomHeld({ status: 'absent' }, 'h1', ['100']), []);
  assert.deepEqual(roomHeld({ status: 'deleted', organizationId: 1, outbox: {} } as unknown as ApplicationState, 'h1', ['100']), []);
  const draft = { status: 'live', organizationId: 1, app: { id: 7 }, runtime: null, outbox: {} } as unknown as ApplicationState;
  assert.deepEqual(roomHeld(draft, 'h1', ['100']), []);
});
