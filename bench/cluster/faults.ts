/**
 * Injecting the faults of a ClusterSpec into a running BenchCluster, each at its marked moment:
 * SIGKILL of a node (and its restart later), SIGSTOP/SIGCONT of a node, SIGKILL of a Hazelcast
 * member, a NATS server restart, SIGKILL of an HVX agent process carrying running VMs, and a
 * rolling restart (SIGTERM drains a node, then it starts again, one node at a time).
 */
import { match } from 'ts-pattern';
import type { BenchCluster } from './cluster.ts';
import type { FaultSpec } from './spec.ts';

export interface FaultRecord {
  readonly kind: FaultSpec['kind'];
  readonly label: string;
  /** When the fault began and when the injector finished (restarts done), epoch ms. */
  readonly at: number;
  readonly endedAt: number;
  readonly detail: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nodeAt(c: BenchCluster, i: number | undefined): string {
  const ids = c.spec.nodes.map((n) => n.id);
  return ids[(i ?? ids.length - 1) % ids.length] as string;
}

export async function inject(c: BenchCluster, f: FaultSpec): Promise<FaultRecord> {
  const at = Date.now();
  const done = (label: string, detail: string): FaultRecord => ({ kind: f.kind, label, at, endedAt: Date.now(), detail });
  return match(f.kind)
    .with('kill-node', async () => {
      const id = nodeAt(c, f.target);
      const node = c.node(id);
      node.signal('SIGKILL');
      await node.exited;
      await sleep((f.forS ?? 10) * 1000);
      const t = Date.now();
      await c.startNode(id);
      return done(`SIGKILL ${id}`, `down ${t - at} ms, restarted in ${Date.now() - t} ms`);
    })
    .with('pause-node', async () => {
      const id = nodeAt(c, f.target);
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
