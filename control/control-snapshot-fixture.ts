/**
 * The set-up the disk snapshot tests share (control-snapshot.test.ts, control-repair-disks.test.ts):
 * hosts h1 and h2 whose agents read and write the harness's store, and a one-VM application of one
 * 1 MB disk (id 101) published and STARTED on one of them.
 */
import assert from 'node:assert/strict';
import { hvxVmId } from '../actors/kinds/application/application-host-commands.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import type { AgentImages } from '../hvx/agent/agent-images.ts';
import type { DiskSpec } from '../hvx/hypervisor.ts';
import type { SimHypervisor } from '../hvx/drivers/sim/sim-hypervisor.ts';
import type { HostedTenant } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

export interface OneDiskApp {
  readonly appId: number;
  readonly vmId: string;
  /** The host the VM was published to, and the other one. */
  readonly first: string;
  readonly other: string;
  /** Its disk as defined on the first host. */
  readonly disk: DiskSpec;
  readonly hv: (host: string) => SimHypervisor;
}

/** The application STARTED, the agents using `images`. */
export async function oneDiskAppStarted(t: HostedTenant, images: AgentImages): Promise<OneDiskApp> {
  const { h, c, p } = t;
  h.sim.images = images;
  await h.addHost('h1');
  await h.addHost('h2');
  const vm = sampleVm(1, { hardDrives: [{ id: 101, type: 'DISK', size: { unit: 'MB', value: 1 }, boot: true }] });
  const app = await h.run(c.createApplication(p, { name: 'web', design: { vms: [vm] } }));
  const first = (await h.run(c.publishApplication(p, app.id, {}))).deployment?.vms[0]?.hostId;
  assert.ok(first !== undefined);
  await allVms(h, p, app.id, 'STARTED');
  const vmId = hvxVmId(app.id, '100');
  const hv = (host: string): SimHypervisor => h.sim.hosts.get(host)!.hv;
  const disk = hv(first).get(vmId)?.spec.disks[0];
  assert.ok(disk !== undefined);
  return { appId: app.id, vmId, first, other: first === 'h1' ? 'h2' : 'h1', disk, hv };
}

/** The guest of the VM writes `text` at the start of block `index` of disk d101. */
export function guestWrites(a: OneDiskApp, blockSize: number, index: number, text: string): void {
  const data = new Uint8Array(blockSize);
  data.set(Buffer.from(text));
  a.hv(a.first).write(a.vmId, 'd101', index, data);
}
