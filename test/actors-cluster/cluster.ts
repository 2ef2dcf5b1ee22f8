/**
 * The multi-process cluster of the actor tests: NATS (one server, or three with JetStream
 * replicas 3), Hazelcast members, counter-node processes, and a client in the test process (an
 * ActorClient on its own bus connection, hosting no actors). Nodes can be killed (SIGKILL),
 * frozen (SIGSTOP) and thawed (SIGCONT), and the whole cluster stopped and started again.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import { NatsBus } from '../../bus/nats/nats-bus.ts';
import { ActorClient } from '../../actors/runtime/actor-client.ts';
import { counterKind } from '../../actors/runtime/testing/counter-kind.ts';
import { startChild, waitUntil, type Child } from '../harness/child-process.ts';
import { startHazelcast, type HazelcastCluster } from '../harness/hazelcast.ts';
import { startNats, type NatsServers } from '../harness/nats.ts';
import { askNode, type NodeReport } from './node-report.ts';

export interface ClusterOptions {
  /** Three NATS servers with replicas 3, or one server. */
  readonly natsCluster: boolean;
  readonly hazelcastMembers: number;
  readonly nodes: number;
  readonly shards: number;
}

const nodeScript = join(import.meta.dirname, 'counter-node.ts');

export class ActorCluster {
  readonly namespace = `t${randomBytes(4).toString('hex')}`;
  readonly nodeIds: string[];
  readonly nodes = new Map<string, Child>();
  hz!: HazelcastCluster;
  bus!: NatsBus;
  client!: ActorClient;

  private constructor(
    readonly o: ClusterOptions,
    readonly nats: NatsServers,
  ) {
    this.nodeIds = Array.from({ length: o.nodes }, (_, i) => `n${i}`);
  }

  static async start(o: ClusterOptions): Promise<ActorCluster> {
    const c = new ActorCluster(o, await startNats({ cluster: o.natsCluster }));
    try {
      c.hz = await startHazelcast({ members: o.hazelcastMembers });
      await c.connectClient();
      await c.createBuckets();
      await Promise.all(c.nodeIds.map((id) => c.startNode(id)));
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  get replicas(): number {
    return this.o.natsCluster ? 3 : 1;
  }

  /** Starts node `id` and resolves once it serves (it has joined placement). */
  async startNode(id: string, env: Readonly<Record<string, string>> = {}): Promise<Child> {
    const child = startChild(id, process.execPath, ['--import', 'tsx', nodeScript], {
      env: {
        ...process.env,
        RAVEL_NODE_ID: id,
        RAVEL_NS: this.namespace,
        RAVEL_NATS: this.nats.urls.join(','),
        RAVEL_REPLICAS: String(this.replicas),
        RAVEL_HZ_MEMBERS: this.hz.addresses.join(','),
        RAVEL_HZ_CLUSTER: this.hz.clusterName,
        RAVEL_SHARDS: String(this.o.shards),
        ...env,
      },
    });
    this.nodes.set(id, child);
    await waitUntil(`node ${id}`, () => child.output().includes('counter node ready'), 60_000, child);
    return child;
  }

  node(id: string): Child {
    const c = this.nodes.get(id);
    if (c === undefined) throw new Error(`no node ${id}`);
    return c;
  }

  report(id: string): Promise<NodeReport> {
    return askNode(this.bus, this.namespace, id);
  }

  /** Waits until the live nodes (`ids`) own every shard between them, each at least one. */
  async balanced(ids: readonly string[], timeoutMs = 60_000): Promise<NodeReport[]> {
    let reports: NodeReport[] = [];
    await waitUntil('shards balanced', async () => {
      reports = await Promise.all(ids.map((id) => this.report(id)));
      const total = reports.reduce((n, r) => n + r.shards.length, 0);
      return total === this.o.shards && reports.every((r) => r.shards.length > 0);
    }, timeoutMs);
    return reports;
  }

  /** Waits until placement has settled: balanced, and the same shards on each node 2 s later. */
  async settled(ids: readonly string[], timeoutMs = 60_000): Promise<NodeReport[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const before = await this.balanced(ids, timeoutMs);
      await new Promise((r) => setTimeout(r, 2000));
      const after = await this.balanced(ids, timeoutMs);
      if (before.every((r, i) => r.shards.join() === after[i]?.shards.join())) return after;
      if (Date.now() > deadline) throw new Error('placement did not settle');
    }
  }

  /**
   * Kills every node, stops Hazelcast and NATS, and starts them all again (same NATS store, a new
   * Hazelcast cluster: the grid starts empty). Answers when the nodes were killed.
   */
  async restartEverything(): Promise<number> {
    for (const c of this.nodes.values()) c.signal('SIGKILL');
    const killedAt = Date.now();
    await Promise.all([...this.nodes.values()].map((c) => c.exited));
    this.nodes.clear();
    await this.bus.close();
    await this.hz.stop();
    const servers = this.nats.urls.map((_, i) => i);
    await Promise.all(servers.map((i) => this.nats.kill(i)));
    await Promise.all(servers.map((i) => this.nats.restart(i)));
    this.hz = await startHazelcast({ members: this.o.hazelcastMembers });
    await this.connectClient();
    await Promise.all(this.nodeIds.map((id) => this.startNode(id)));
    return killedAt;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((c) => {
      c.signal('SIGCONT');
      c.signal('SIGKILL');
      return c.exited;
    }));
    await this.bus?.close().catch(() => undefined);
    await this.hz?.stop();
    await this.nats.stop();
  }

  /**
   * Creates the runtime's buckets before the nodes start: three nodes creating a replicated
   * stream at once on a loaded machine can outlast their 5 s call timeout.
   */
  private async createBuckets(): Promise<void> {
    for (const b of ['records', 'reminders', 'epochs']) await this.bus.kv(`${this.namespace}-${b}`, { replicas: this.replicas });
  }

  private async connectClient(): Promise<void> {
    this.bus = await NatsBus.connect({ servers: [...this.nats.urls], replicas: this.replicas, name: 'test-client', callTimeoutMs: 30_000 });
    this.client = new ActorClient({ bus: this.bus, clock: systemClock, shards: this.o.shards, askTimeoutMs: 5000, namespace: this.namespace });
    this.client.register(counterKind());
  }
}
