/**
 * In-process simulated HVX hosts for control-plane tests: each a SimHypervisor on the harness's
 * ManualClock with an HvxAgent on the harness's bus. A host's VMs outlive its agent, as a real
 * host's do: `detach` stops the agents before the harness restarts, `attach` starts them again on
 * the new bus; `silence` stops one agent for good (the host stops answering).
 */
import type { Bus } from '../../bus/bus.ts';
import type { ManualClock } from '../../core/clock.ts';
import { MemoryImages, type AgentImages } from '../../hvx/agent/agent-images.ts';
import { HvxAgent } from '../../hvx/agent/hvx-agent.ts';
import { SimHypervisor } from '../../hvx/drivers/sim/sim-hypervisor.ts';
import { SimScheduler } from '../../hvx/drivers/sim/sim-scheduler.ts';
import { ensureHvxStreams, provisionHost } from '../../hvx/host-provisioning.ts';

export const SIM_BOOT_MS = 2000;
export const SIM_SHUTDOWN_MS = 1000;
export const HEARTBEAT_MS = 5000;

interface SimHost {
  readonly hv: SimHypervisor;
  agent: HvxAgent | undefined;
  silenced: boolean;
}

export class SimHosts {
  readonly hosts = new Map<string, SimHost>();
  /** What the agents read disks from and write snapshots to; set before adding hosts (a real store: ImageStoreImages). */
  images: AgentImages = new MemoryImages();

  constructor(private readonly clock: ManualClock) {}

  /** A new host with its agent running on `bus`. */
  async add(bus: Bus, hostId: string, capacity: { cpus: number; memoryMb: number }): Promise<SimHypervisor> {
    const hv = new SimHypervisor(new SimScheduler(this.clock), { capacity, timing: { bootMs: SIM_BOOT_MS, shutdownMs: SIM_SHUTDOWN_MS, jitterMs: 0, seed: 1 } });
    const host: SimHost = { hv, agent: undefined, silenced: false };
    this.hosts.set(hostId, host);
    await ensureHvxStreams(bus);
    await provisionHost(bus, hostId);
    await this.startAgent(bus, hostId, host);
    return hv;
  }

  private async startAgent(bus: Bus, hostId: string, host: SimHost): Promise<void> {
    const agent = new HvxAgent({ host: hostId, bus, hypervisor: host.hv, images: this.images, clock: this.clock, heartbeatMs: HEARTBEAT_MS });
    await agent.start();
    host.agent = agent;
  }

  /** Stops one host's agent for good: no more heartbeats, commands wait on its queue. */
  async silence(hostId: string): Promise<void> {
    const h = this.hosts.get(hostId);
    if (h === undefined) return;
    h.silenced = true;
    await h.agent?.stop();
    h.agent = undefined;
  }

  /** Stops every agent (before the bus closes); the hypervisors keep their VMs. */
  async detach(): Promise<void> {
    for (const h of this.hosts.values()) {
      await h.agent?.stop();
      h.agent = undefined;
    }
  }

  /** Starts the agents again on a new bus (after a restart), except silenced ones. */
  async attach(bus: Bus): Promise<void> {
    for (const [id, h] of this.hosts) if (!h.silenced) await this.startAgent(bus, id, h);
  }

  async close(): Promise<void> {
    await this.detach();
    for (const h of this.hosts.values()) await h.hv.close();
  }
}
