import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../../core/errors.ts';
import type { HostState } from '../../../domain/host/host-model.ts';
import type { HostView, Placement, Region } from '../../../domain/placement/placement-types.ts';
import { TestCluster } from '../../runtime/testing/harness.ts';
import { hvxHostKind, hvxHostRef } from '../hvx-host/hvx-host-kind.ts';
import { regionKind, regionRef, type RegionMsg } from './region-kind.ts';

const region: Region = { name: 'r1', pricePerCpuHour: 0.02, pricePerGbHour: 0.01, hostCapacity: { cpus: 8, memoryMb: 16384 } };

test('placements in one region are serialized: concurrent publishes never reserve beyond a host’s room', async () => {
  const tc = new TestCluster();
  try {
    const sys = await tc.start('n1', [regionKind([region]), hvxHostKind({ deadAfterMs: 30_000, releaseIdleAfterMs: Number.POSITIVE_INFINITY })]);
    await tc.drive(sys.ask(regionRef('r1'), { type: 'addHost', hostId: 'h1' }));
    await tc.drive(sys.ask(regionRef('r1'), { type: 'addHost', hostId: 'h2', capacity: { cpus: 4, memoryMb: 8192 } }));
    const calls = Array.from({ length: 8 }, (_, i) =>
      sys.ask<Placement, RegionMsg>(regionRef('r1'), { type: 'place', applicationId: i + 1, vms: [{ vmKey: '100', cpus: 2, memoryMb: 1024 }], optimization: 'COST_OPTIMIZED' }),
    );
    const outcomes = await tc.drive(Promise.allSettled(calls));
    const placed = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(placed.length, 6, 'twelve CPUs hold six 2-CPU VMs');
    assert.ok(refused.every((o) => o.status === 'rejected' && isRavelError(o.reason, 'UNAVAILABLE')));
    const hosts = await tc.drive(sys.ask<HostView[]>(regionRef('r1'), { type: 'listHosts' }));
    assert.deepEqual(hosts.map((x) => x.freeCpus), [0, 0]);
    await assert.rejects(tc.drive(sys.ask(regionRef('mars'), { type: 'listHosts' })), (e: unknown) => isRavelError(e, 'NOT_FOUND'));
  } finally {
    await tc.close();
  }
});

test('a placement across hosts that one host refuses (its hint was stale) gives back what the others took', async () => {
  const tc = new TestCluster();
  try {
    const sys = await tc.start('n1', [regionKind([region]), hvxHostKind({ deadAfterMs: 30_000, releaseIdleAfterMs: Number.POSITIVE_INFINITY })]);
    for (const hostId of ['h1', 'h2']) await tc.drive(sys.ask(regionRef('r1'), { type: 'addHost', hostId }));
    await tc.drive(sys.ask(regionRef('r1'), { type: 'listHosts' })); // the region now holds hints of two empty hosts
    // Behind the region's back h2 loses half its room: the hints are stale.
    await tc.drive(sys.ask(hvxHostRef('h2'), { type: 'reserve', applicationId: 99, vmKey: '1', cpus: 4, memoryMb: 1024 }));
    const vms = [
      { vmKey: '1', cpus: 6, memoryMb: 1024 },
      { vmKey: '2', cpus: 6, memoryMb: 1024 },
    ];
    const place = (): Promise<Placement> => tc.drive(sys.ask<Placement, RegionMsg>(regionRef('r1'), { type: 'place', applicationId: 1, vms, optimization: 'COST_OPTIMIZED' }));
    await assert.rejects(place(), (e: unknown) => isRavelError(e, 'UNAVAILABLE'));
    assert.deepEqual((await tc.drive(sys.ask<HostState>(hvxHostRef('h1'), { type: 'get' }))).vms, [], 'the room h1 took was given back');
    assert.deepEqual((await tc.drive(sys.ask<HostState>(hvxHostRef('h2'), { type: 'get' }))).vms.map((v) => v.applicationId), [99]);
    // With room again the same VMs are placed, one per host, each reserved once.
    await tc.drive(sys.ask(hvxHostRef('h2'), { type: 'release', applicationId: 99, vmKey: '1' }));
    assert.deepEqual(new Set((await place()).assignments.map((a) => a.hostId)), new Set(['h1', 'h2']));
    const free = await tc.drive(sys.ask<HostView[]>(regionRef('r1'), { type: 'listHosts' }));
    assert.deepEqual(free.map((x) => x.freeCpus), [2, 2]);
  } finally {
    await tc.close();
  }
});

test('a host silent for longer than deadAfterMs is declared dead; heartbeats keep it up', async () => {
  const tc = new TestCluster();
  try {
    const sys = await tc.start('n1', [regionKind([region]), hvxHostKind({ deadAfterMs: 10_000, releaseIdleAfterMs: Number.POSITIVE_INFINITY })]);
    await tc.drive(sys.ask(regionRef('r1'), { type: 'addHost', hostId: 'h1' }));
    for (let i = 0; i < 4; i++) {
      await tc.advance(5000, 500);
      await tc.drive(sys.tell(hvxHostRef('h1'), { type: 'heartbeat', at: tc.clock.now() }));
    }
    assert.equal((await tc.drive(sys.ask<HostState>(hvxHostRef('h1'), { type: 'get' }))).status, 'UP');
    await tc.advance(12_000, 500);
    assert.equal((await tc.drive(sys.ask<HostState>(hvxHostRef('h1'), { type: 'get' }))).status, 'DEAD');
    const hosts = await tc.drive(sys.ask<HostView[]>(regionRef('r1'), { type: 'listHosts' }));
    assert.deepEqual(hosts.map((x) => x.accepting), [false]);
  } finally {
    await tc.close();
  }
});
