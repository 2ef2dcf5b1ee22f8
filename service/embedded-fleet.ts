/**
 * Embedded mode's hosts: a sim fleet in this process behind the `local` cloud provider. Regions
 * rent hosts from it when a placement needs them and give them back when idle, so a new user can
 * publish and start applications on the first run. Cluster mode rents hosts whose agents run as
 * their own processes.
 */
import type { Bus } from '../bus/bus.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { SimFleet } from '../hvx/fleet/sim-fleet.ts';
import { defaultSimTiming } from '../hvx/drivers/sim/sim-options.ts';
import type { SimTiming } from '../hvx/drivers/sim/sim-options.ts';
import { LocalCloud } from '../cloud/local/local-cloud.ts';
import { FleetLauncher } from '../cloud/local/fleet-launcher.ts';
import type { CloudProvider, RegionInfo } from '../cloud/cloud-provider.ts';
import { ensureHvxStreams } from '../hvx/host-provisioning.ts';

export interface EmbeddedCloud {
  readonly cloud: CloudProvider;
  readonly fleet: SimFleet;
  /** Releases every host and stops the fleet (before the bus closes). */
  stop(): Promise<void>;
}

export interface EmbeddedCloudOptions {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly log: Logger;
  readonly regions: readonly RegionInfo[];
  readonly heartbeatMs: number;
  readonly timing?: SimTiming;
}

/**
 * A local cloud over one sim fleet. The fleet gives every host one size, so it is the largest of
 * the regions' (a region never places beyond its own host size).
 */
export async function startEmbeddedCloud(o: EmbeddedCloudOptions): Promise<EmbeddedCloud> {
  await ensureHvxStreams(o.bus);
  const size = o.regions.reduce((s, r) => ({ cpus: Math.max(s.cpus, r.hostSize.cpus), memoryMb: Math.max(s.memoryMb, r.hostSize.memoryMb) }), { cpus: 1, memoryMb: 1 });
  const fleet = new SimFleet({ buses: [o.bus], clock: o.clock, capacity: size, timing: o.timing ?? defaultSimTiming, heartbeatMs: o.heartbeatMs, logger: o.log });
  const cloud = new LocalCloud({ regions: o.regions, bus: o.bus, launcher: new FleetLauncher(fleet), clock: o.clock });
  return {
    cloud,
    fleet,
    async stop() {
      await cloud.close();
      await fleet.stop();
    },
  };
}
