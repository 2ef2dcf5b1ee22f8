/**
 * What one topology of the control-plane bench (one embedded node, or three nodes of a cluster)
 * measured, in a shape both runs fill, so main.ts can set them side by side; and the percentile
 * and merge helpers the runs and the load processes share.
 */

/** The workload both topologies run: the same applications, clients, boot time and polling. */
export interface Workload {
  readonly hosts: number;
  readonly applications: number;
  readonly clients: number;
  readonly bootMs: number;
  /** How often a client reads its application once the boot time has passed: the overhead's resolution. */
  readonly pollMs: number;
}

/** What a set of clients saw: one entry per application started, and what failed. */
export interface ClientTally {
  /** Start call to every VM STARTED, minus the boot time, per application started (ms). */
  readonly overheadMs: number[];
  /** The publish call alone (placement, answered), per application (ms). */
  readonly publishMs: number[];
  /** Hosts the started applications' VMs run on. */
  readonly hostIds: string[];
  /** Ids of applications the first client started: the baseline reads them. */
  readonly sampleIds: number[];
  failed: number;
  /** Calls sent again with the same request id after a timeout. */
  retries: number;
  /** The first few failures' messages, for the log. */
  readonly errors: string[];
}

export function emptyTally(): ClientTally {
  return { overheadMs: [], publishMs: [], hostIds: [], sampleIds: [], failed: 0, retries: 0, errors: [] };
}

/** Several processes' tallies as one: latencies pooled, hosts counted once, errors capped. */
export function mergeTallies(parts: readonly ClientTally[]): ClientTally {
  const out = emptyTally();
  const hosts = new Set<string>();
  for (const p of parts) {
    out.overheadMs.push(...p.overheadMs);
    out.publishMs.push(...p.publishMs);
    for (const h of p.hostIds) hosts.add(h);
    if (out.sampleIds.length === 0) out.sampleIds.push(...p.sampleIds);
    out.failed += p.failed;
    out.retries += p.retries;
    out.errors.push(...p.errors.slice(0, Math.max(0, 5 - out.errors.length)));
  }
  out.hostIds.push(...[...hosts].sort());
  return out;
}

/** The q-quantile of `xs` (nearest rank; NaN when empty). Sorts a copy. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] as number;
}

/** The baseline of the same run: one read through the same control plane, 64 in flight. */
export interface AskBaseline {
  /** What was asked, and how: printed beside the figures. */
  readonly label: string;
  readonly perSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Reads that were refused (a refused read would measure the refusal). */
  readonly refused: number;
}

/** One topology's run, as main.ts reports it. */
export interface TopologyResult {
  /** "one node" or "three nodes". */
  readonly label: string;
  readonly workload: Workload;
  readonly seconds: number;
  readonly tally: ClientTally;
  readonly baseline: AskBaseline;
  /** Further baselines of the same run (e.g. the REST read beside the raw ask). */
  readonly extraBaselines: readonly AskBaseline[];
  /** The hosts the run held: rented (one node, hosts rented on demand), or carrying VMs (three nodes, hosts registered beforehand). */
  readonly hosts: { readonly count: number; readonly what: string };
  /** Figures only this topology has (durable writes per application, ...), already named. */
  readonly extras: ReadonlyArray<{ name: string; value: number; unit: string }>;
}

/** What starting one application saw. */
export interface Started {
  readonly id: number;
  /** Publish call to every VM STARTED (ms), boot time included. */
  readonly ms: number;
  readonly publishMs: number;
  readonly hosts: readonly string[];
}

/**
 * Applications `first` .. `end` - 1 started by `clients`, each taking the next index when done
 * with one; every start (or failure) goes into `tally`, the first client's ids as samples.
 */
export async function startAll<C>(clients: readonly C[], range: { first: number; end: number; bootMs: number }, tally: ClientTally, startOne: (client: C, n: number) => Promise<Started>): Promise<void> {
  let next = range.first;
  const hosts = new Set(tally.hostIds);
  await Promise.all(
    clients.map(async (client, c) => {
      for (let n = next++; n < range.end; n = next++) {
        try {
          const r = await startOne(client, n);
          tally.overheadMs.push(r.ms - range.bootMs);
          tally.publishMs.push(r.publishMs);
          for (const h of r.hosts) hosts.add(h);
          if (c === 0) tally.sampleIds.push(r.id);
        } catch (e) {
          tally.failed++;
          if (tally.errors.length < 5) tally.errors.push(`application ${n}: ${(e as Error).message}`);
        }
      }
    }),
  );
  tally.hostIds.splice(0, tally.hostIds.length, ...hosts);
}
