/**
 * Embedded mode's hosts: a sim fleet in this process, rented through the `local` cloud provider
 * and registered with each region's actor, so a new user can publish and start applications on
 * the first run. Cluster mode rents hosts whose agents run as their own processes.
 */
import type { Bus } from '../bus/bus.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { ControlPlane } from '../control/control-plane.ts';
import type { Region } from '../domain/placement/placement-types.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { SimFleet } from '../hvx/fleet/sim-fleet.ts';
import { defaultSimTiming } from '../hvx/drivers/sim/sim-options.ts';
import { LocalCloud } from '../cloud/local/local-cloud.ts';
import { FleetLauncher } from '../cloud/local/fleet-launcher.ts';
import type { RegionInfo } from '../cloud/cloud-provider.ts';

const fleetOperator: Principal = { kind: 'operator', name: 'embedded-fleet' };

/** The placement view of a cloud region. */
export function placementRegion(r: RegionInfo): Region {
  return { name: r.name, pricePerCpuHour: r.pricePerCpuHour, pricePerGbHour: r.pricePerGbHour, hostCapacity: r.hostSize, maxHosts: r.maxHosts };
}

export interface EmbeddedFleet {
  readonly hosts: readonly string[];
  stop(): Promise<void>;
}

export async function startEmbeddedFleet(o: {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly log: Logger;
  readonly control: ControlPlane;
  readonly regions: readonly RegionInfo[];
  readonly hostsPerRegion: number;
}): Promise<EmbeddedFleet> {
  const size = o.regions[0]?.hostSize ?? { cpus: 32, memoryMb: 131072 };
  const fleet = new SimFleet({ buses: [o.bus], clock: o.clock, capacity: size, timing: defaultSimTiming, heartbeatMs: 2000, logger: o.log });
  const cloud = new LocalCloud({ regions: o.regions, bus: o.bus, launcher: new FleetLauncher(fleet), clock: o.clock });
  const hosts: string[] = [];
  try {
    for (const region of o.regions) {
      for (let i = 0; i < o.hostsPerRegion; i++) {
        // The same request ids on every start: the region actor knows these hosts already.
        const host = await cloud.rent({ region: region.name, requestId: `embedded-${region.name}-${i}` });
        await o.control.registerHost(fleetOperator, { region: region.name, hostId: host.id });
        hosts.push(host.id);
      }
    }
  } catch (e) {
    await cloud.close();
    await fleet.stop();
    throw e;
  }
  return {
    hosts,
    async stop() {
      await cloud.close();
      await fleet.stop();
    },
  };
}
