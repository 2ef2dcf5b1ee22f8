/**
 * A VM moved to another host (repaired after its host died, or redeployed) is defined there from
 * the newest version of each of its disks in the image store (the last snapshot a host wrote),
 * not the version made when it was published: what the guest had written and snapshotted
 * survives the move. Over a real store (LMDB in a temporary directory) read and written by the
 * simulated hosts' agents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hvxVmId } from '../actors/kinds/application/application-host-commands.ts';
import { imageTenantOf } from '../domain/tenancy/image-tenant.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import { ImageStoreImages } from '../hvx/agent/image-store-images.ts';
import { sendCommand } from '../hvx/host-provisioning.ts';
import { HOST_DEAD_AFTER_MS } from './testing/control-harness.ts';
import type { ControlHarness } from './testing/control-harness.ts';
import { withTenant, type HostedTenant } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

interface Snapshotted {
  readonly appId: number;
  readonly vmId: string;
  /** The host the VM was published to, and the other one. */
  readonly first: string;
  readonly other: string;
  readonly image: string;
  /** The disk's version made at publish, and its newest snapshot. */
  readonly published: string;
  readonly head: string;
}

/** Hosts h1 and h2 over the store; a one-VM application STARTED on one, its guest's write snapshotted there. */
async function snapshotted(t: HostedTenant): Promise<Snapshotted> {
  const { h, c, p, organizationId } = t;
  const images = h.images!;
  h.sim.images = new ImageStoreImages(images);
  await h.addHost('h1');
  await h.addHost('h2');
  const vm = sampleVm(1, { hardDrives: [{ id: 101, type: 'DISK', size: { unit: 'MB', value: 1 }, boot: true }] });
  const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [vm] } }));
  const first = (await h.run(c.publishApplication(p, app.id, {}))).deployment?.vms[0]?.hostId;
  assert.ok(first !== undefined);
  await allVms(h, p, app.id, 'STARTED');

  const vmId = hvxVmId(app.id, '100');
  const hv = h.sim.hosts.get(first)!.hv;
  const disk = hv.get(vmId)?.spec.disks[0];
  assert.ok(disk !== undefined);
  const data = new Uint8Array(images.blockSize);
  data.set(Buffer.from('guest'));
  hv.write(vmId, 'd101', 3, data);
  await h.run(sendCommand(h.tc.bus, { id: 'test-snapshot-1', host: first, issuedAt: h.tc.clock.now(), kind: 'snapshot', vmId }));
  const store = imageTenantOf(organizationId);
  let head = disk.version;
  await h.tc.until(() => {
    void images.get(store, disk.image).then((i) => (head = i.head ?? head));
    return head !== disk.version;
  }, 30_000, 100);
  return { appId: app.id, vmId, first, other: first === 'h1' ? 'h2' : 'h1', image: disk.image, published: disk.version, head };
}

/** The VM is on `s.other` now, defined there from the disk's newest snapshot. */
async function movedAtHead(h: ControlHarness, t: HostedTenant, s: Snapshotted): Promise<void> {
  const moved = await h.run(t.c.getApplication(t.p, s.appId, 'deployment'));
  assert.equal(moved.deployment?.vms[0]?.hostId, s.other, 'moved to the other host');
  assert.notEqual(s.head, s.published);
  assert.deepEqual(h.sim.hosts.get(s.other)!.hv.get(s.vmId)?.spec.disks, [{ id: 'd101', image: s.image, version: s.head }], 'defined from the newest snapshot');
}

test('a repaired VM boots on its new host from its disk’s newest snapshot', async () => {
  await withTenant(async (t) => {
    const { h, p } = t;
    const s = await snapshotted(t);
    await h.tc.drive(h.sim.silence(s.first));
    await h.tc.advance(HOST_DEAD_AFTER_MS, 250);
    await allVms(h, p, s.appId, 'STARTED');
    await movedAtHead(h, t, s);
  }, { images: true, deployment: true });
});

test('a redeployed VM is defined on its new host from its disk’s newest snapshot', async () => {
  await withTenant(async (t) => {
    const { h, c, p } = t;
    const s = await snapshotted(t);
    await h.run(c.stopApplication(p, s.appId));
    await allVms(h, p, s.appId, 'STOPPED');
    await h.run(c.vmAction(p, s.appId, 100, 'redeploy'));
    await allVms(h, p, s.appId, 'STOPPED');
    await movedAtHead(h, t, s);
  }, { images: true, deployment: true });
});
