/**
 * The CloudProvider seam: rents and releases HVX hosts in regions of a public cloud.
 *
 * Implementations: `LocalCloud` (cloud/local/: starts HVX agents itself, in-process as a sim
 * fleet for embedded mode, or as `ravel hvx` processes for cluster tests). A real cloud is a
 * later step. Every implementation passes cloud/cloud-provider.conformance.ts.
 *
 * Regions, their prices and their host size come from the configuration (cloud/regions.ts).
 * A rented host's agent is started and connected when `rent` resolves; its heartbeats and
 * commands travel on the bus (hvx/protocol.ts).
 *
 * Errors (RavelError codes): NOT_FOUND (no such region), QUOTA_EXCEEDED (the region has no
 * more hosts to rent), INVALID_ARGUMENT (a malformed request), CLOSED (used after close).
 */
import type { Closeable } from '../core/lifecycle.ts';
import type { Resources } from '../hvx/hypervisor.ts';

export interface RegionInfo {
  readonly name: string;
  /** Price of one CPU for one hour, in the configured currency. */
  readonly pricePerCpuHour: number;
  /** Price of one GB of memory for one hour. */
  readonly pricePerGbHour: number;
  /** What one host of the region offers VMs. */
  readonly hostSize: Resources;
  /** Hosts the region rents at most. */
  readonly maxHosts: number;
  /** The region's public address range (elastic IPs, published services). */
  readonly publicCidr?: string;
}

export interface RentRequest {
  readonly region: string;
  /**
   * Idempotency key: renting again with the same request id answers the host rented the first
   * time (while it is rented), so a retried rent never pays for two hosts.
   */
  readonly requestId: string;
  /**
   * The host's name when the caller picks it (the region actor does, from its durable state, so
   * a rent retried after a crash names the same host); a provider that names its own ignores it.
   */
  readonly name?: string;
}

export interface RentedHost {
  readonly id: string;
  readonly region: string;
  readonly size: Resources;
  /** What the host costs per hour: its CPUs and GBs at the region's prices. */
  readonly pricePerHour: number;
  readonly rentedAt: number;
}

export interface CloudProvider extends Closeable {
  regions(): readonly RegionInfo[];
  /** Rents a host and starts its agent; resolves once the agent is up. */
  rent(request: RentRequest): Promise<RentedHost>;
  /** Stops the host's agent and gives the host back; an unknown or released id is a no-op. */
  release(hostId: string): Promise<void>;
  /** Hosts rented now, in one region or all. */
  list(region?: string): readonly RentedHost[];
}
