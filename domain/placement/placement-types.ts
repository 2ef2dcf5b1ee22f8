/** What placement reads (regions from config, hosts and their free capacity) and what it answers. */

/** A region from the configuration: its prices and the size of one host rented there. */
export interface Region {
  readonly name: string;
  /** Price of one virtual CPU for one hour, in the billing currency. */
  readonly pricePerCpuHour: number;
  /** Price of one GB of memory for one hour. */
  readonly pricePerGbHour: number;
  readonly hostCapacity: { readonly cpus: number; readonly memoryMb: number };
  /** How many hosts the region may have at once; absent: no limit. */
  readonly maxHosts?: number;
}

/** A host as placement sees it: where it is and what it has left. */
export interface HostView {
  readonly id: string;
  readonly region: string;
  readonly freeCpus: number;
  readonly freeMemoryMb: number;
  /** Dead or draining hosts take no new VMs. */
  readonly accepting: boolean;
}

/** A VM to place, by its design id key. */
export interface VmDemand {
  readonly vmKey: string;
  readonly cpus: number;
  readonly memoryMb: number;
}

export type Optimization = 'COST_OPTIMIZED' | 'PERFORMANCE_OPTIMIZED';

export interface PlacementRequest {
  readonly vms: readonly VmDemand[];
  readonly optimization: Optimization;
  /** Required with PERFORMANCE_OPTIMIZED; with COST_OPTIMIZED it restricts to one region. */
  readonly region?: string;
  /** Hosts already carrying VMs of this application, so spreading counts them (publish updates, repair). */
  readonly appVmsPerHost?: Readonly<Record<string, number>>;
  /** Hosts to leave out (a dead host during repair). */
  readonly excludeHosts?: readonly string[];
}

/** Where each VM goes; new hosts are named `new:0`, `new:1`, ... until rented. */
export interface Placement {
  readonly region: string;
  readonly assignments: readonly { readonly vmKey: string; readonly hostId: string }[];
  readonly newHosts: readonly string[];
}

export const NEW_HOST_PREFIX = 'new:';
