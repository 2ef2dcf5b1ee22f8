/** Hosts as members of one in-process sim fleet (embedded mode). */
import type { Resources } from '../../hvx/hypervisor.ts';
import type { SimFleet } from '../../hvx/fleet/sim-fleet.ts';
import type { HostLauncher, LaunchedHost } from './host-launcher.ts';

export class FleetLauncher implements HostLauncher {
  constructor(private readonly fleet: SimFleet) {}

  async launch(host: string, _size: Resources): Promise<LaunchedHost> {
    // The fleet's hosts share its configured size; LocalCloud gives every host of a region the same.
    await this.fleet.add(host);
    return { stop: () => this.fleet.remove(host) };
  }
}
