/**
 * Many simulated hosts in one process, for embedded mode and benchmarks: one SimScheduler for
 * all their VMs, one heartbeat timer that spreads the hosts' heartbeats over the interval, and a
 * few Bus connections shared round-robin. (A real agent is one host on one connection.)
 */
import type { Bus } from '../../bus/bus.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import { MemoryImages, type AgentImages } from '../agent/agent-images.ts';
import { HvxAgent } from '../agent/hvx-agent.ts';
import { SimHypervisor } from '../drivers/sim/sim-hypervisor.ts';
import type { SimTiming } from '../drivers/sim/sim-options.ts';
import { SimScheduler } from '../drivers/sim/sim-scheduler.ts';
import type { Resources } from '../hypervisor.ts';
import { provisionHost } from '../host-provisioning.ts';

export interface SimFleetOptions {
  /** The connections the hosts share, round-robin (at least one). */
  readonly buses: readonly Bus[];
  readonly clock: Clock;
  readonly capacity: Resources;
  readonly timing: SimTiming;
  readonly heartbeatMs: number;
  /** Default: MemoryImages shared by all hosts. */
  readonly images?: AgentImages;
  /** Make each host's durable consumer first (what the control plane does when it rents a host). */
  readonly provision?: boolean;
  readonly logger?: Logger;
}

export interface FleetHost {
  readonly agent: HvxAgent;
  readonly hypervisor: SimHypervisor;
}

/** Heartbeats go out in this many slices per interval. */
const SLICES = 20;

export class SimFleet {
  readonly scheduler: SimScheduler;
  private readonly hosts = new Map<string, FleetHost>();
  private readonly order: FleetHost[] = [];
  private readonly images: AgentImages;
  private timer: TimerHandle | undefined;
  private slice = 0;
  private next = 0;

  constructor(private readonly o: SimFleetOptions) {
    this.scheduler = new SimScheduler(o.clock);
    this.images = o.images ?? new MemoryImages();
  }

  /** Starts a host of the fleet; its seed is the fleet's plus its index, so runs repeat. */
  async add(host: string): Promise<FleetHost> {
    const bus = this.o.buses[this.next++ % this.o.buses.length];
    if (bus === undefined) throw new Error('a fleet needs at least one bus');
    if (this.o.provision === true) await provisionHost(bus, host);
    const hypervisor = new SimHypervisor(this.scheduler, { capacity: this.o.capacity, timing: { ...this.o.timing, seed: this.o.timing.seed + this.order.length } });
    const agent = new HvxAgent({
      host,
      bus,
      hypervisor,
      images: this.images,
      clock: this.o.clock,
      heartbeats: 'external',
      ...(this.o.logger === undefined ? {} : { logger: this.o.logger }),
    });
    await agent.start();
    const h = { agent, hypervisor };
    this.hosts.set(host, h);
    this.order.push(h);
    this.timer ??= this.o.clock.setTimeout(() => this.beat(), this.o.heartbeatMs / SLICES);
    return h;
  }

  get(host: string): FleetHost | undefined {
    return this.hosts.get(host);
  }

  get size(): number {
    return this.hosts.size;
  }

  /** Stops one host (a host that dies, or is released). */
  async remove(host: string): Promise<void> {
    const h = this.hosts.get(host);
    if (h === undefined) return;
    this.hosts.delete(host);
    this.order.splice(this.order.indexOf(h), 1);
    await h.agent.stop();
    await h.hypervisor.close();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.hosts.keys()].map((h) => this.remove(h)));
    this.scheduler.clear();
  }

  private beat(): void {
    const s = this.slice++ % SLICES;
    for (let i = s; i < this.order.length; i += SLICES) this.order[i]?.agent.heartbeat();
    this.timer = this.o.clock.setTimeout(() => this.beat(), this.o.heartbeatMs / SLICES);
  }
}
