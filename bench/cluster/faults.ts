/**
 * Injecting the faults of a ClusterSpec into a running BenchCluster, each at its marked moment:
 * SIGKILL of a node (and its restart later), SIGSTOP/SIGCONT of a node, SIGKILL of a Hazelcast
 * member, a NATS server restart, SIGKILL of an HVX agent process carrying running VMs, and a
 * rolling restart (SIGTERM drains a node, then it starts again, one node at a time), and a
 * network partition (the node's link to the others is down for a while; see netns.ts).
 */
import { match } from 'ts-pattern';
import { waitUntil } from '../../test/harness/child-process.ts';
import { nodeAt, type BenchCluster } from './cluster.ts';
import type { FaultSpec } from './spec.ts';

export interface FaultRecord {
  readonly kind: FaultSpec['kind'];
  readonly label: string;
  /** When the fault began and when the injector finished (restarts done), epoch ms. */
  readonly at: number;
  readonly endedAt: number;
  readonly detail: string;
  /** Figures of the fault itself, where it has some (the partition's cut and lapsed shards). */
  readonly figures?: Readonly<Record<string, number>>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


export async function inject(c: BenchCluster, f: FaultSpec): Promise<FaultRecord> {
  const at = Date.now();
  const done = (label: string, detail: string, figures?: Record<string, number>): FaultRecord =>
    ({ kind: f.kind, label, at, endedAt: Date.now(), detail, ...(figures === undefined ? {} : { figures }) });
  return match(f.kind)
    .with('kill-node', async () => {
      const id = nodeAt(c.spec, f.target);
      const node = c.node(id);
      node.signal('SIGKILL');
      await node.exited;
      await sleep((f.forS ?? 10) * 1000);
      const t = Date.now();
      await c.startNode(id);
      return done(`SIGKILL ${id}`, `down ${t - at} ms, restarted in ${Date.now() - t} ms`);
    })
    .with('pause-node', async () => {
      const id = nodeAt(c.spec, f.target);
      c.node(id).signal('SIGSTOP');
      await sleep((f.forS ?? 10) * 1000);
      c.node(id).signal('SIGCONT');
      return done(`SIGSTOP ${id}`, `paused ${Date.now() - at} ms`);
    })
    .with('kill-hazelcast-member', async () => {
      const i = f.target ?? 1;
      await c.hz.kill(i);
      return done(`SIGKILL hazelcast ${i}`, `member ${c.hz.addresses[i] ?? i} killed, not restarted`);
    })
    .with('restart-nats', async () => {
      await c.nats.restart(0);
      return done('restart NATS', `NATS back in ${Date.now() - at} ms`);
    })
    .with('kill-hvx-agent', async () => {
      const i = f.target ?? 0;
      const vms = await c.hostVms();
      const carried = (c.fleetHosts[i] ?? []).reduce((n, h) => n + (vms[h]?.filter((v) => v.state === 'running').length ?? 0), 0);
      const fleet = c.fleets[i];
      fleet?.signal('SIGKILL');
      await fleet?.exited;
      return done(`SIGKILL hvx ${i}`, `agent process with ${c.fleetHosts[i]?.length ?? 0} hosts and ${carried} running VMs killed, not restarted`);
    })
    .with('partition-node', async () => {
      const id = nodeAt(c.spec, f.target);
      const net = c.net;
      if (net === undefined) throw new Error(`node ${id} is not in a network namespace`);
      const node = c.node(id);
      const others = c.spec.nodes.filter((n) => n.id !== id && n.roles.includes('actors')).map((n) => n.id);
      const owned = async (ids: readonly string[]): Promise<number> => (await Promise.all(ids.map((n) => c.ownedShards(n)))).reduce((k, s) => k + s.length, 0);
      const before = await owned([id]);
      net.cut(id);
      await sleep((f.forS ?? 20) * 1000);
      // Signals reach the node when the network does not: what each side serves at the end of the cut.
      const [cutSide, otherSide] = await Promise.all([owned([id]), owned(others)]);
      net.heal(id);
      const healed = Date.now();
      await waitUntil(`node ${id} serves after healing`, async () => (await fetch(`${c.gatewayUrl(id)}/readyz`)).ok, 120_000, node);
      const readyMs = Date.now() - healed;
      return done(
        `partition ${id}`,
        `cut off ${healed - at} ms; ${id} owned ${before} shards before and ${cutSide} at the end of the cut, the others ${otherSide} of ${c.spec.shards}; ready again ${readyMs} ms after healing`,
        { cutMs: healed - at, shardsBefore: before, shardsCutSideAtEnd: cutSide, shardsOtherSideAtEnd: otherSide, readyAfterHealMs: readyMs },
      );
    })
    .with('rolling-restart', async () => {
      const steps: string[] = [];
      for (const n of c.spec.nodes) {
        const t = Date.now();
        await c.node(n.id).stop(20_000);
        await c.startNode(n.id);
        steps.push(`${n.id} ${Date.now() - t} ms`);
      }
      return done('rolling restart', steps.join(', '));
    })
    .exhaustive();
}
