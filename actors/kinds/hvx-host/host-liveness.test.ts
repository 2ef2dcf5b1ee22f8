/**
 * The heartbeats an hvx-host activation holds in memory: heard while the host is UP and carried
 * into the state it writes next; a dead or released host that speaks again is not heard (its VMs
 * were moved), so nothing revives it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newHost, type HostState } from '../../../domain/host/host-model.ts';
import { hear, lastHeard, succeed } from './host-liveness.ts';

const up = (): HostState => newHost('h', 'r', { cpus: 4, memoryMb: 4096 }, 1000);

test('a heartbeat heard while UP is remembered, and written with the next state', () => {
  const h = up();
  hear(h, 5000, 5000);
  hear(h, 4000, 5100);
  assert.equal(lastHeard(h, 5100), 5000, 'the latest heard, an older one arriving late changes nothing');
  assert.equal(h.lastHeartbeat, 1000, 'nothing written by hearing');
  assert.equal(succeed(h, { ...h, vms: [] }, 6000).lastHeartbeat, 5000);
});

test('a host no longer UP that speaks again is not heard', () => {
  for (const status of ['DEAD', 'RELEASED'] as const) {
    const h: HostState = { ...up(), status };
    hear(h, 9000, 9000);
    assert.equal(lastHeard(h, 9000), 1000, status);
    assert.equal(succeed(h, h, 9500).lastHeartbeat, 1000, status);
  }
});
