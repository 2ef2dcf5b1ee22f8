/**
 * The control-plane bench's arguments: which topologies run and each one's workload.
 *   --quick            100 hosts; 1,000 applications on one node, 300 on three (else 1,000 hosts, 10,000 each)
 *   --apps N           N applications on every topology (a smaller run, for profiling)
 *   --clients N        N concurrent clients instead of 64
 *   --only one|three   one topology alone
 *   --verbose          the one-node run lists each message type's turns and mean latency
 */
import type { Workload } from './topology-result.ts';

export type Topology = 'one' | 'three';

export interface ControlPlaneArgs {
  readonly topologies: readonly Topology[];
  readonly workloads: Readonly<Record<Topology, Workload>>;
  readonly verbose: boolean;
}

export const BOOT_MS = 1000;
export const POLL_MS = 20;

/** Parses the arguments after `--quick` is taken out; throws with what was wrong. */
export function parseControlPlaneArgs(rest: readonly string[], quick: boolean): ControlPlaneArgs {
  const known = new Set(['--apps', '--clients', '--only', '--verbose']);
  const valueOf = (name: string): string | undefined => {
    const i = rest.indexOf(name);
    if (i < 0) return undefined;
    const v = rest[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  const count = (name: string): number | undefined => {
    const v = valueOf(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1, got ${v}`);
    return n;
  };
  rest.forEach((a, i) => {
    const isValue = i > 0 && ['--apps', '--clients', '--only'].includes(rest[i - 1] ?? '');
    if (!isValue && !known.has(a)) throw new Error(`unknown argument ${a}`);
  });
  const only = valueOf('--only');
  if (only !== undefined && only !== 'one' && only !== 'three') throw new Error(`--only takes one or three, got ${only}`);
  const apps = count('--apps');
  const clients = count('--clients') ?? 64;
  const hosts = quick ? 100 : 1000;
  const workload = (applications: number): Workload => ({ hosts, applications: apps ?? applications, clients, bootMs: BOOT_MS, pollMs: POLL_MS });
  return {
    topologies: only === undefined ? ['one', 'three'] : [only],
    // Three nodes quick: fewer applications, so the quick run stays within a few minutes with the cluster's start.
    workloads: { one: workload(quick ? 1000 : 10_000), three: workload(quick ? 300 : 10_000) },
    verbose: rest.includes('--verbose'),
  };
}
