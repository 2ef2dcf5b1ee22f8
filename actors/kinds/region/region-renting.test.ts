import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNoRoom } from './region-no-room.ts';
import type { HostState } from '../../../domain/host/host-model.ts';
import type { HostView, Placement, Region } from '../../../domain/placement/placement-types.ts';
import type { RegionInfo } from '../../../cloud/cloud-provider.ts';
import { LocalCloud } from '../../../cloud/local/local-cloud.ts';
import { FleetLauncher } from '../../../cloud/local/fleet-launcher.ts';
import { SimFleet } from '../../../hvx/fleet/sim-fleet.ts';
import { HvxBridge } from '../../../hvx/bridge/hvx-bridge.ts';
import { ensureHvxStreams } from '../../../hvx/host-provisioning.ts';
import { placementRegion } from '../../../service/regions.ts';
import { TestCluster } from '../../runtime/testing/harness.ts';
import type { ActorSystem } from '../../runtime/actor-system.ts';
import { hvxHostKind, hvxHostRef } from '../hvx-host/hvx-host-kind.ts';
import { regionKind, regionRef, type RegionMsg } from './region-kind.ts';

const r1: RegionInfo = { name: 'r1', pricePerCpuHour: 0.02, pricePerGbHour: 0.01, hostSize: { cpus: 8, memoryMb: 16384 }, maxHosts: 2 };
const IDLE_MS = 60_000;
const DEAD_MS = 10_000;

interface Rig {
  readonly tc: TestCluster;
  readonly sys: ActorSystem;
  readonly cloud: LocalCloud;
  readonly fleet: SimFleet;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const tc = new TestCluster();
  await tc.drive(ensureHvxStreams(tc.bus));
  const fleet = new SimFleet({ buses: [tc.bus], clock: tc.clock, capacity: r1.hostSize, timing: { bootMs: 1000, shutdownMs: 500, jitterMs: 0, seed: 1 }, heartbeatMs: 2000 });
  const cloud = new LocalCloud({ regions: [r1], bus: tc.bus, launcher: new FleetLauncher(fleet), clock: tc.clock });
  const regions: Region[] = [placementRegion(r1)];
  const sys = await tc.start('n1', [regionKind(regions, { cloud }), hvxHostKind({ deadAfterMs: DEAD_MS, releaseIdleAfterMs: IDLE_MS })]);
  const bridge = new HvxBridge({ bus: tc.bus, actors: sys, clock: tc.clock });
  await tc.drive(bridge.start());
  return {
    tc,
    sys,
    cloud,
    fleet,
    async close() {
      await tc.drive(bridge.stop());
      await tc.drive(cloud.close());
      await tc.drive(fleet.stop());
      await tc.close();
    },
  };
}

const place = (s: Rig, applicationId: number, cpus: number): Promise<Placement> =>
  s.tc.drive(s.sys.ask<Placement, RegionMsg>(regionRef('r1'), { type: 'place', applicationId, vms: [{ vmKey: '1', cpus, memoryMb: 1024 }], optimization: 'COST_OPTIMIZED' }));
const hostsOf = (s: Rig): Promise<HostView[]> => s.tc.drive(s.sys.ask<HostView[]>(regionRef('r1'), { type: 'listHosts' }));

test('a region with no room rents a host through the cloud, packs onto it, and stops at its configured limit', async () => {
  const s = await rig();
  try {
    assert.deepEqual(await hostsOf(s), [], 'no host before the first placement');
    const a = await place(s, 1, 4);
    assert.deepEqual(a.newHosts, [], 'the answer names real hosts');
    assert.deepEqual(a.assignments.map((x) => x.hostId), ['r1-h1']);
    assert.equal(s.fleet.size, 1, 'the cloud started the host’s agent');
    assert.deepEqual((await place(s, 2, 4)).assignments.map((x) => x.hostId), ['r1-h1'], 'the rented host is filled first');
    assert.deepEqual((await place(s, 3, 8)).assignments.map((x) => x.hostId), ['r1-h2']);
    await assert.rejects(place(s, 4, 1), isNoRoom, 'maxHosts 2 from the configuration');
    assert.deepEqual(s.cloud.list('r1').map((h) => h.id).sort(), ['r1-h1', 'r1-h2']);
    assert.deepEqual((await hostsOf(s)).map((h) => [h.id, h.freeCpus]), [['r1-h1', 0], ['r1-h2', 0]]);
  } finally {
    await s.close();
  }
});

test('a host rented by a turn that never committed is adopted by the next placement, not rented twice', async () => {
  const s = await rig();
  try {
    // What a node crash between the cloud's answer and the region's write leaves behind.
    const orphan = await s.tc.drive(s.cloud.rent({ region: 'r1', requestId: 'r1-h1', name: 'r1-h1' }));
    assert.equal(orphan.id, 'r1-h1');
    const p = await place(s, 1, 2);
    assert.deepEqual(p.assignments.map((x) => x.hostId), ['r1-h1']);
    assert.equal(s.cloud.list('r1').length, 1, 'no second host');
    // The retried rent of the same name answers the same host; the next rent takes the next name.
    assert.equal((await s.tc.drive(s.cloud.rent({ region: 'r1', requestId: 'r1-h1', name: 'r1-h1' }))).id, 'r1-h1');
    assert.deepEqual((await place(s, 2, 8)).assignments.map((x) => x.hostId), ['r1-h2']);
    assert.equal(s.cloud.list('r1').length, 2);
  } finally {
    await s.close();
  }
});

test('a rented host left empty is released to the cloud after the idle time; one still carrying VMs is kept', async () => {
  const s = await rig();
  try {
    await place(s, 1, 8);
    await place(s, 2, 8);
    assert.equal(s.cloud.list('r1').length, 2);
    await s.tc.drive(s.sys.ask(hvxHostRef('r1-h1'), { type: 'release', applicationId: 1, vmKey: '1' }));
    await s.tc.advance(IDLE_MS / 2, 250);
    assert.equal(s.cloud.list('r1').length, 2, 'not before the idle time');
    await s.tc.until(() => s.cloud.list('r1').length === 1, IDLE_MS + 2 * DEAD_MS, 250);
    assert.deepEqual(s.cloud.list('r1').map((h) => h.id), ['r1-h2']);
    assert.equal(s.fleet.size, 1, 'the released host’s agent stopped');
    assert.equal((await s.tc.drive(s.sys.ask<HostState>(hvxHostRef('r1-h1'), { type: 'get' }))).status, 'RELEASED');
    assert.deepEqual((await hostsOf(s)).map((h) => h.id), ['r1-h2'], 'out of the region’s inventory');
    assert.equal((await s.tc.drive(s.sys.ask<HostState>(hvxHostRef('r1-h2'), { type: 'get' }))).status, 'UP', 'heartbeats kept it up');
    // The released host's room is not counted: the region may rent again up to its limit.
    assert.deepEqual((await place(s, 3, 8)).assignments.map((x) => x.hostId), ['r1-h3']);
  } finally {
    await s.close();
  }
});

test('the region’s remembered host views are only a hint: room freed behind its back is used before renting, room taken behind its back is not overbooked', async () => {
  const s = await rig();
  try {
    await place(s, 1, 8);
    await place(s, 2, 4);
    assert.equal(s.cloud.list('r1').length, 2);
    // Freed directly on the host (an application deleted): the region still remembers r1-h1 full.
    await s.tc.drive(s.sys.ask(hvxHostRef('r1-h1'), { type: 'release', applicationId: 1, vmKey: '1' }));
    assert.deepEqual((await place(s, 3, 8)).assignments.map((x) => x.hostId), ['r1-h1'], 'no host rented while one has room');
    // Taken directly on r1-h2: the region remembers 4 CPUs free there, the host refuses, the region reads again.
    await s.tc.drive(s.sys.ask(hvxHostRef('r1-h2'), { type: 'reserve', applicationId: 9, vmKey: '1', cpus: 4, memoryMb: 1024 }));
    await assert.rejects(place(s, 4, 4), isNoRoom, 'both hosts full and the limit reached');
    assert.deepEqual((await hostsOf(s)).map((h) => h.freeCpus), [0, 0], 'nothing reserved beyond a host’s room');
  } finally {
    await s.close();
  }
});
