/**
 * VM disks in the image store, in cluster mode, on real servers (a NATS server with JetStream,
 * one Hazelcast member) and the system clock: one Ravel node with the actors and storage roles,
 * and a sim fleet on its own NATS connection whose agents read disks through the image service
 * over the bus (ImageStoreImages), as `ravel hvx` does. A VM published from an uploaded disk image
 * runs on its own clone, read by its host; a blueprint of it saves that disk; deleting the
 * application deletes the clone.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../config/load.ts';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { NatsBus } from '../bus/nats/nats-bus.ts';
import { LocalCloud } from '../cloud/local/local-cloud.ts';
import { FleetLauncher } from '../cloud/local/fleet-launcher.ts';
import type { RegionInfo } from '../cloud/cloud-provider.ts';
import { hvxVmId } from '../actors/kinds/application/application-host-commands.ts';
import { SimFleet } from '../hvx/fleet/sim-fleet.ts';
import { imageServiceImages } from '../hvx/agent/image-store-images.ts';
import { ensureHvxStreams } from '../hvx/host-provisioning.ts';
import { ImageServiceClient } from '../storage-engine/image-service/image-client.ts';
import { imageTenantOf } from '../domain/tenancy/image-tenant.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import { startHazelcast } from '../test/harness/hazelcast.ts';
import { startNats } from '../test/harness/nats.ts';
import { missingHazelcast, missingNats, needs } from '../test/harness/requirements.ts';
import { startRavelNode } from './ravel-node.ts';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
});

const REGION = 'lab';
const region: RegionInfo = { name: REGION, pricePerCpuHour: 0.02, pricePerGbHour: 0.004, hostSize: { cpus: 4, memoryMb: 16384 }, maxHosts: 4, publicCidr: '192.0.2.0/24' };
const operator: Principal = { kind: 'operator', name: 'ops' };

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, maxMs = 30_000): Promise<T> {
  const start = Date.now();
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() - start > maxMs) throw new Error(`${what}: not within ${maxMs} ms (last ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('cluster mode: a published VM runs on its own clone of its disk image, read by its host through the image service; blueprint and delete follow', async (t) => {
  if (!needs(t, missingNats(), missingHazelcast())) return;
  const nats = await startNats();
  closers.push(() => nats.stop());
  const hz = await startHazelcast({ members: 1 });
  closers.push(() => hz.stop());

  // The hosts' side, on its own connection; its agents read disks through the image service.
  const fleetBus = await NatsBus.connect({ servers: [...nats.urls], replicas: 1 });
  closers.push(() => fleetBus.close());
  await ensureHvxStreams(fleetBus);
  const prepared: string[] = [];
  const agentImages = imageServiceImages(fleetBus);
  const fleet = new SimFleet({
    buses: [fleetBus],
    clock: systemClock,
    capacity: region.hostSize,
    timing: { bootMs: 200, shutdownMs: 100, jitterMs: 0, seed: 1 },
    heartbeatMs: 500,
    images: { prepare: async (tn, d) => (prepared.push(`${tn}/${d.image}/${d.version}`), agentImages.prepare(tn, d)), writeSnapshot: (tn, c) => agentImages.writeSnapshot(tn, c) },
  });
  closers.push(() => fleet.stop());
  const cloud = new LocalCloud({ regions: [region], bus: fleetBus, launcher: new FleetLauncher(fleet), clock: systemClock });
  closers.push(() => cloud.close());

  const dataDir = mkdtempSync(join(tmpdir(), 'ravel-cluster-disks-'));
  closers.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const config = compileConfig(
    {
      mode: 'cluster',
      nodeId: 'a',
      roles: ['actors', 'storage'],
      dataDir,
      logLevel: 'silent',
      nats: { servers: [...nats.urls], replicas: 1 },
      hazelcast: { members: [...hz.addresses], clusterName: hz.clusterName },
      actors: { shards: 8, leaseMs: 2000 },
      regions: [region],
      hosts: { heartbeatMs: 500, deadAfterMs: 5000, releaseIdleAfterMs: 600_000 },
    },
    {},
  );
  const node = await startRavelNode(config, { nodeId: 'a', clock: systemClock, log: silentLogger, cloud });
  closers.push(() => node.close());
  const c = node.control;

  const { organization } = await c.createOrganization(operator, { name: 'Acme', admin: { email: 'root@acme', password: 'root-password' } });
  const session = await c.login('root@acme', 'root-password');
  assert.ok(session !== undefined);
  const p = session.principal;
  const tenant = imageTenantOf(organization.id);

  // An uploaded disk image: one block of data, through the image service as an upload's import writes it.
  const images = new ImageServiceClient(fleetBus);
  const { blockSize } = await images.info();
  const made = await images.create(tenant, { name: 'base.raw', purpose: 'image', virtualSize: 2 * blockSize });
  const w = await images.openWriter(tenant, made.id);
  await w.writeBlocks([{ index: 0, data: new Uint8Array(blockSize).fill(7) }]);
  const baseVersion = (await w.commit()).id;
  const base = await c.registerDiskImage(operator, organization.id, made.id, 'base');

  const vm = sampleVm(1, { hardDrives: [{ id: 101, type: 'DISK', size: { unit: 'MB', value: 1 }, boot: true, baseDiskImageId: base.id }] });
  const app = await c.createApplication(p, { name: 'web', design: { vms: [vm] } });
  await c.publishApplication(p, app.id, { preferredRegion: REGION });
  const [started] = await waitFor('STARTED', async () => (await c.getApplication(p, app.id, 'deployment')).deployment?.vms ?? [], (vms) => vms.length === 1 && vms[0]?.state === 'STARTED');

  const own = (await images.list(tenant)).filter((i) => i.name === `application-${organization.id}-${app.id}-disk-101`);
  assert.equal(own.length, 1, 'the disk has its own image');
  const [first] = await images.listVersions(tenant, own[0]!.id);
  assert.equal(first?.parent, baseVersion, 'a clone of the uploaded version');
  const spec = fleet.get(started!.hostId!)?.hypervisor.get(hvxVmId(app.id, '100'))?.spec;
  assert.equal(spec?.tenant, tenant);
  assert.deepEqual(spec?.disks, [{ id: 'd101', image: own[0]!.id, version: first.id }]);
  assert.deepEqual(prepared, [`${tenant}/${own[0]!.id}/${first.id}`], 'its host read that version through the image service');

  const saving = await c.createBlueprint(p, { applicationId: app.id, blueprintName: 'web' });
  const bp = await waitFor('blueprint DONE', () => c.getBlueprint(p, saving.id), (b) => b.loadingStatus !== 'SAVING');
  assert.equal(bp.loadingStatus, 'DONE');
  const snapshot = await c.locateDiskImage(p, bp.design.vms[0]!.hardDrives[0]!.baseDiskImageId!);
  assert.equal((await images.listVersions(tenant, snapshot.image)).find((v) => v.id === snapshot.version)?.parent, first.id, "saved from the disk's current version");

  await c.deleteApplication(p, app.id);
  assert.deepEqual((await images.list(tenant)).filter((i) => i.name.startsWith(`application-${organization.id}-${app.id}-`)), [], 'its disk went with it');
});
