/**
 * What the cluster bench runs: the cluster (nodes by role, Hazelcast members, NATS, HVX fleet
 * processes and their hosts), the workload, and the faults with the second each is injected at.
 * `quickSpec` and `fullSpec` are the two presets; the chaos test uses a smaller one.
 */
import type { Limits } from '../../domain/schemas/organization.ts';
import { defaults } from '../../config/schema.ts';

export type Role = 'gateway' | 'actors' | 'storage';

export interface NodeSpec {
  readonly id: string;
  readonly roles: readonly Role[];
}

export type FaultKind =
  | 'kill-node'
  | 'pause-node'
  | 'kill-hazelcast-member'
  | 'restart-nats'
  | 'kill-hvx-agent'
  | 'rolling-restart'
  | 'partition-node';

export interface FaultSpec {
  readonly kind: FaultKind;
  /** Seconds after the workload starts. */
  readonly atS: number;
  /** The node or fleet it hits (index), where the kind has one. */
  readonly target?: number;
  /** kill-node: restart it this many seconds later; pause-node: SIGCONT after this many seconds; partition-node: heal after this many seconds. */
  readonly forS?: number;
}

export type WorkloadKind = 'control-plane' | 'read-mix' | 'live' | 'uploads';

export interface WorkloadSpec {
  readonly kind: WorkloadKind;
  /** Load-generator processes running this workload. */
  readonly processes: number;
  /** Operations in flight per process (or WebSocket clients, for `live`). */
  readonly concurrency: number;
  /** Tenants per process (each process has its own). */
  readonly tenantsPerProcess: number;
}

export interface ClusterSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  readonly hazelcastMembers: number;
  /** HVX agent processes (sim driver), each carrying this many hosts. */
  readonly fleets: number;
  readonly hostsPerFleet: number;
  readonly workloads: readonly WorkloadSpec[];
  readonly durationS: number;
  readonly faults: readonly FaultSpec[];
  /** After the workload, how long applications may take to reach what their last acknowledged action allows. */
  readonly settleBoundS: number;
  readonly shards: number;
  /** The memory rule's warm-up lasts at least this long (memory-growth.ts `minWarmupMs`); a quarter of the run otherwise. */
  readonly memoryWarmupS?: number;
}

/** What node-process.ts makes before the bench: tenants and their hosts. */
export interface SetupRequest {
  readonly tenants: ReadonlyArray<{ name: string; login: string; password: string }>;
  readonly hosts: ReadonlyArray<{ region: string; hostId: string; capacity: { cpus: number; memoryMb: number } }>;
  readonly limits: Limits;
}

export interface SetupResult {
  tenants: Array<{ name: string; organizationId: number }>;
}

export const REGION = 'us-east-1';
export const HOST_CAPACITY = { cpus: 64, memoryMb: 262_144 } as const;

const allRoles: readonly Role[] = ['gateway', 'actors', 'storage'];

/**
 * `n` nodes: the first with every role, the others gateway and actors. One image store serves a
 * cluster (stores in separate directories cannot share the image service's subjects), and
 * uploads go to a gateway beside it.
 */
export function clusterNodes(n: number): NodeSpec[] {
  return Array.from({ length: n }, (_, i) => ({ id: `n${i}`, roles: i === 0 ? allRoles : (['gateway', 'actors'] as const) }));
}

const mixes = (processes: number): WorkloadSpec[] => [
  { kind: 'control-plane', processes, concurrency: 8, tenantsPerProcess: 2 },
  { kind: 'read-mix', processes: 1, concurrency: 8, tenantsPerProcess: 1 },
  { kind: 'live', processes: 1, concurrency: 4, tenantsPerProcess: 2 },
  { kind: 'uploads', processes: 1, concurrency: 2, tenantsPerProcess: 1 },
];

/** `--quick`: three nodes, two faults, 75 s of load. */
export function quickSpec(): ClusterSpec {
  return {
    name: 'quick',
    nodes: clusterNodes(3),
    hazelcastMembers: 2,
    fleets: 2,
    hostsPerFleet: 4,
    workloads: mixes(1),
    durationS: 75,
    faults: [
      { kind: 'kill-node', atS: 12, target: 2, forS: 8 },
      { kind: 'restart-nats', atS: 45 },
    ],
    settleBoundS: 45,
    shards: 64,
  };
}

/** The full run: every fault in turn, over several minutes. */
export function fullSpec(): ClusterSpec {
  return {
    ...quickSpec(),
    name: 'full',
    fleets: 3,
    workloads: mixes(2),
    durationS: 370,
    faults: [
      { kind: 'kill-node', atS: 20, target: 2, forS: 15 },
      { kind: 'pause-node', atS: 60, target: 1, forS: 12 },
      { kind: 'kill-hazelcast-member', atS: 100, target: 1 },
      { kind: 'restart-nats', atS: 140 },
      { kind: 'kill-hvx-agent', atS: 180, target: 0 },
      { kind: 'partition-node', atS: 220, target: 2, forS: 20 },
      { kind: 'rolling-restart', atS: 270 },
    ],
    settleBoundS: 60,
  };
}

/** The same workload without faults on `n` nodes, for the scaling figures. */
export function scalingSpec(n: number, durationS: number): ClusterSpec {
  return { ...quickSpec(), name: `scale-${n}`, nodes: clusterNodes(n), faults: [], durationS, workloads: mixes(2) };
}

export const benchLimits: Limits = { maxRunningVms: 10_000, maxCpus: 100_000, maxMemoryMb: 100_000_000, maxDiskMb: 1_000_000_000 };

/** The chaos test in CI: two nodes, one member, the control-plane mix with a node SIGKILL and a NATS restart. */
export function chaosSpec(): ClusterSpec {
  return {
    name: 'chaos-ci',
    nodes: clusterNodes(2),
    hazelcastMembers: 1,
    fleets: 1,
    hostsPerFleet: 3,
    workloads: [
      { kind: 'control-plane', processes: 1, concurrency: 4, tenantsPerProcess: 2 },
      { kind: 'live', processes: 1, concurrency: 1, tenantsPerProcess: 2 },
    ],
    durationS: 40,
    faults: [
      { kind: 'kill-node', atS: 8, target: 1, forS: 6 },
      { kind: 'restart-nats', atS: 24 },
    ],
    settleBoundS: 40,
    shards: 32,
  };
}

/**
 * The partition alone (`npm run bench -- cluster partition`, and the chaos test under
 * RAVEL_CHAOS_PARTITION=1): two nodes, the second cut off for 20 s, several lease periods.
 */
export function partitionSpec(): ClusterSpec {
  return {
    ...chaosSpec(),
    name: 'partition',
    durationS: 55,
    faults: [{ kind: 'partition-node', atS: 10, target: 1, forS: 20 }],
  };
}

/**
 * How long the soak's memory rule waits before judging: until activations, which stay in memory
 * until idle for the nodes' `passivateAfterMs` (the default: the bench does not set it), number
 * as many passivated as activated, plus a minute. Judging earlier would count the filling.
 */
export const SOAK_WARMUP_S = defaults.actors.passivateAfterMs / 1000 + 60;
/** A soak judges at least two minutes after its warm-up; and runs two hours at most. */
export const SOAK_MINUTES = { min: Math.ceil(SOAK_WARMUP_S / 60) + 2, max: 120, default: 10 } as const;

/** `cluster soak`: the quick cluster and mix without faults for `minutes`, memory watched. */
export function soakSpec(minutes: number): ClusterSpec {
  return { ...quickSpec(), name: `soak-${minutes}m`, faults: [], durationS: minutes * 60, memoryWarmupS: SOAK_WARMUP_S };
}

/** The fuzz test's cluster: one node of every role, one member, one agent process of two hosts. */
export function fuzzSpec(): ClusterSpec {
  return { ...chaosSpec(), name: 'fuzz', nodes: clusterNodes(1), fleets: 1, hostsPerFleet: 2, workloads: [], faults: [] };
}
