/**
 * A VM moved to another host (repaired after its host died, or redeployed) is defined there from
 * the newest version of each of its disks in the image store (the last snapshot a host wrote),
 * not the version made when it was published: what the guest had written and snapshotted
 * survives the move. Over a real store (LMDB in a temporary directory) read and written by the
 * simulated hosts' agents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageTenantOf } from '../domain/tenancy/image-tenant.ts';
import { ImageStoreImages } from '../hvx/agent/image-store-images.ts';
import { sendCommand } from '../hvx/host-provisioning.ts';
import { HOST_DEAD_AFTER_MS } from './testing/control-harness.ts';
import type { ControlHarness } from './testing/control-harness.ts';
import { withTenant, type HostedTenant } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';
import { guestWrites, oneDiskAppStarted } from './control-snapshot-fixture.ts';

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
  const { h, organizationId } = t;
  const images = h.images!;
  const { appId, vmId, first, other, disk } = await oneDiskAppStarted(t, new ImageStoreImages(images));
  guestWrites({ appId, vmId, first, other, disk, hv: (x) => h.sim.hosts.get(x)!.hv }, images.blockSize, 3, 'guest');
  await h.run(sendCommand(h.tc.bus, { id: 'test-snapshot-1', host: first, issuedAt: h.tc.clock.now(), kind: 'snapshot', vmId }));
  const store = imageTenantOf(organizationId);
  let head = disk.version;
  await h.tc.until(() => {
    void images.get(store, disk.image).then((i) => (head = i.head ?? head));
    return head !== disk.version;
  }, 30_000, 100);
  return { appId, vmId, first, other, image: disk.image, published: disk.version, head };
}

/**
 * The VM is on `s.other` now, defined there from the disk's newest snapshot: the image's head in
 * the store (a stop before the move snapshots the disk again, on top of the version it started from).
 */
async function movedAtHead(h: ControlHarness, t: HostedTenant, s: Snapshotted): Promise<void> {
  const moved = await h.run(t.c.getApplication(t.p, s.appId, 'deployment'));
  assert.equal(moved.deployment?.vms[0]?.hostId, s.other, 'moved to the other host');
  assert.notEqual(s.head, s.published);
  const head = (await h.images!.get(imageTenantOf(t.organizationId), s.image)).head;
  assert.ok(head !== null && head !== s.published);
  assert.deepEqual(h.sim.hosts.get(s.other)!.hv.get(s.vmId)?.spec.disks, [{ id: 'd101', image: s.image, version: head }], 'defined from the newest snapshot');
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
