import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../../core/errors.ts';
import { isNoRoom } from './region-no-room.ts';
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
    assert.ok(refused.every((o) => o.status === 'rejected' && isNoRoom(o.reason)), 'refused for want of room, as such');
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
    await assert.rejects(place(), isNoRoom);
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

test('a keyed placement is answered again without reserving twice, until its key is forgotten: then it places anew', async () => {
  const tc = new TestCluster();
  try {
    const sys = await tc.start('n1', [regionKind([region]), hvxHostKind({ deadAfterMs: 30_000, releaseIdleAfterMs: Number.POSITIVE_INFINITY })]);
    await tc.drive(sys.ask(regionRef('r1'), { type: 'addHost', hostId: 'h1' }));
    const place = (applicationId: number, vmKey: string): Promise<Placement> =>
      tc.drive(sys.ask<Placement, RegionMsg>(regionRef('r1'), { type: 'place', applicationId, vms: [{ vmKey, cpus: 2, memoryMb: 1024 }], optimization: 'COST_OPTIMIZED', key: 'place:1:7' }));
    const free = async (): Promise<number | undefined> => (await tc.drive(sys.ask<HostView[]>(regionRef('r1'), { type: 'listHosts' })))[0]?.freeCpus;
    const first = await place(1, '100');
    // A retry after a crash: same key, so the same answer and the room held once.
    assert.deepEqual(await place(1, '100'), first);
    assert.equal(await free(), 6);
    // The asker gave the room back and forgets the key: the same key reserves again.
    await tc.drive(sys.ask(hvxHostRef('h1'), { type: 'release', applicationId: 1, vmKey: '100' }));
    await tc.drive(sys.ask<null, RegionMsg>(regionRef('r1'), { type: 'forgetPlacement', key: 'place:1:7' }));
    assert.equal(await free(), 8);
    const again = await place(1, '101');
    assert.deepEqual(again.assignments.map((a) => a.vmKey), ['101'], 'placed anew, not the first answer');
    assert.equal(await free(), 6);
    // Forgetting a key the region does not hold changes nothing.
    await tc.drive(sys.ask<null, RegionMsg>(regionRef('r1'), { type: 'forgetPlacement', key: 'place:9:9' }));
    assert.deepEqual(await place(1, '102'), again);
  } finally {
    await tc.close();
  }
});

test('a withdrawn placement key gives its room back; a place with it arriving late is refused and takes none', async () => {
  const tc = new TestCluster();
  try {
    const sys = await tc.start('n1', [regionKind([region]), hvxHostKind({ deadAfterMs: 30_000, releaseIdleAfterMs: Number.POSITIVE_INFINITY })]);
    await tc.drive(sys.ask(regionRef('r1'), { type: 'addHost', hostId: 'h1' }));
    const place = (key: string): Promise<Placement> =>
      tc.drive(sys.ask<Placement, RegionMsg>(regionRef('r1'), { type: 'place', applicationId: 1, vms: [{ vmKey: '100', cpus: 2, memoryMb: 1024 }, { vmKey: '200', cpus: 2, memoryMb: 1024 }], optimization: 'COST_OPTIMIZED', key }));
    const withdraw = (key: string): Promise<null> => tc.drive(sys.ask<null, RegionMsg>(regionRef('r1'), { type: 'withdrawPlacement', key, applicationId: 1 }));
    const free = async (): Promise<number | undefined> => (await tc.drive(sys.ask<HostView[]>(regionRef('r1'), { type: 'listHosts' })))[0]?.freeCpus;
    await place('repair:1:h0:3');
    assert.equal(await free(), 4);
    await withdraw('repair:1:h0:3');
    assert.equal(await free(), 8, 'the key’s room given back');
    await withdraw('repair:1:h0:3');
    assert.equal(await free(), 8, 'withdrawing again gives nothing more back');
    await assert.rejects(place('repair:1:h0:3'), (e: unknown) => isRavelError(e, 'CONFLICT'), 'a late place with the key');
    assert.equal(await free(), 8, 'the late place took no room');
    // A key never placed (its place still on its way) is withdrawn too: it arrives refused.
    await withdraw('repair:1:h0:4');
    await assert.rejects(place('repair:1:h0:4'), (e: unknown) => isRavelError(e, 'CONFLICT'));
    assert.equal(await free(), 8);
  } finally {
    await tc.close();
  }
});

test('a keyed placement survives a crash of the region’s node: the retry on the next node gets the room its first try holds', async () => {
  const tc = new TestCluster();
  const kinds = () => [regionKind([region]), hvxHostKind({ deadAfterMs: 30_000, releaseIdleAfterMs: Number.POSITIVE_INFINITY })];
  try {
    const first = await tc.start('n1', kinds());
    // h1 has room for exactly this VM: placing it again without the memo would find h1 full and take h2.
    await tc.drive(first.ask(regionRef('r1'), { type: 'addHost', hostId: 'h1', capacity: { cpus: 2, memoryMb: 1024 } }));
    await tc.drive(first.ask(regionRef('r1'), { type: 'addHost', hostId: 'h2' }));
    const msg: RegionMsg = { type: 'place', applicationId: 1, vms: [{ vmKey: '100', cpus: 2, memoryMb: 1024 }], optimization: 'COST_OPTIMIZED', key: 'place:1:3' };
    const placed = await tc.drive(first.ask<Placement, RegionMsg>(regionRef('r1'), msg));
    assert.deepEqual(placed.assignments, [{ vmKey: '100', hostId: 'h1' }]);
    await tc.drive(first.halt());
    await tc.restartInfrastructure();
    const next = await tc.start('n2', kinds());
    assert.deepEqual(await tc.drive(next.ask<Placement, RegionMsg>(regionRef('r1'), msg)), placed);
    const hosts = await tc.drive(next.ask<HostView[]>(regionRef('r1'), { type: 'listHosts' }));
    assert.deepEqual(hosts.map((x) => x.freeCpus), [0, 8], 'the room is held once');
  } finally {
    await tc.close();
  }
});
