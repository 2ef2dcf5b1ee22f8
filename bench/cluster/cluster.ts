/**
 * Stands up the cluster a ClusterSpec describes, as processes on this machine: a NATS server
 * with JetStream, Hazelcast members, Ravel nodes (node-process.ts) on fixed gateway ports, and
 * HVX agent processes (fleet-process.ts). Every child is started through test/harness, so
 * none outlives this process; `stop()` ends them all and removes the data dirs.
 *
 * When the spec has a partition fault, the nodes it cuts off run in network namespaces of their
 * own (netns.ts) and everything else listens on the bridge address instead of the loopback, so
 * both sides reach it; without one the cluster is all on 127.0.0.1 as before.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startChild, waitUntil, type Child } from '../../test/harness/child-process.ts';
import { startHazelcast, type HazelcastCluster } from '../../test/harness/hazelcast.ts';
import { startNats, type NatsServers } from '../../test/harness/nats.ts';
import { freePorts } from '../../test/harness/ports.ts';
import { projectRoot } from '../../test/harness/requirements.ts';
import type { ConfigOverrides } from '../../config/schema.ts';
import { NetnsNetwork } from './netns.ts';

/** The Hazelcast members' -Xmx: the soak judges their memory against it (memory-growth.ts). */
export const HAZELCAST_HEAP_MB = 192;
import { benchLimits, HOST_CAPACITY, REGION, type ClusterSpec, type NodeSpec, type Role, type SetupRequest, type SetupResult } from './spec.ts';

export interface Tenant {
  readonly name: string;
  readonly login: string;
  readonly password: string;
  readonly organizationId: number;
}

const here = import.meta.dirname;
const tsx = ['--import', 'tsx'];

/** The pid of the process whose command line (arguments NUL-separated) `matches`: the harness keeps no pids. */
function pidByCommandLine(matches: (cmd: string) => boolean): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (matches(readFileSync(`/proc/${d}/cmdline`, 'utf8'))) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The Hazelcast member at `address`. */
function javaPid(clusterName: string, address: string): number | undefined {
  const port = address.split(':')[1] ?? '';
  return pidByCommandLine((cmd) => cmd.includes(`ravel.cluster.name=${clusterName}`) && cmd.includes(`-Dravel.port=${port}\0`));
}

/** A NATS server, by its config file (test/harness/nats.ts writes it beside the server's store); a new pid after a restart. */
function natsPid(storeDir: string): number | undefined {
  const file = join(dirname(storeDir), 'nats.conf');
  return pidByCommandLine((cmd) => (cmd.split('\0')[0] ?? '').endsWith('nats-server') && cmd.includes(`\0${file}\0`));
}

/** The id of the node a fault's `target` names (by index; the last node when none is given). */
export function nodeAt(spec: ClusterSpec, i: number | undefined): string {
  const ids = spec.nodes.map((n) => n.id);
  return ids[(i ?? ids.length - 1) % ids.length] as string;
}

/**
 * Sends SIGUSR2 to `child`, which answers by writing `{ seq, ... }` to `file`; resolves with
 * what it wrote once seq has moved on.
 */
async function dumpOnSignal<T>(child: Child, file: string): Promise<T> {
  const read = (): ({ seq: number } & T) | undefined => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as { seq: number } & T;
    } catch {
      return undefined;
    }
  };
  const before = read()?.seq ?? 0;
  child.signal('SIGUSR2');
  let got: ({ seq: number } & T) | undefined;
  await waitUntil(`${child.name} dump`, () => (got = read()) !== undefined && got.seq > before, 10_000, child);
  return got as T;
}

export class BenchCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'ravel-cluster-bench-'));
  readonly nodes = new Map<string, Child>();
  readonly fleets: Array<Child | undefined> = [];
  readonly fleetHosts: string[][] = [];
  private readonly ports = new Map<string, number>();
  nats!: NatsServers;
  hz!: HazelcastCluster;
  /** The namespaces of the nodes a partition fault cuts off, when the spec has one. */
  net: NetnsNetwork | undefined;

  private constructor(readonly spec: ClusterSpec) {}

  static async start(spec: ClusterSpec, log: (line: string) => void = () => undefined): Promise<BenchCluster> {
    const c = new BenchCluster(spec);
    try {
      const t0 = Date.now();
      const cut = [...new Set(spec.faults.filter((f) => f.kind === 'partition-node').map((f) => nodeAt(spec, f.target)))];
      if (cut.length > 0) {
        c.net = NetnsNetwork.create();
        for (const id of cut) c.net.join(id);
        log(`  nodes ${cut.join(', ')} in network namespaces; shared services on ${c.net.hostAddress}`);
      }
      const host = c.net?.hostAddress;
      c.nats = await startNats(host === undefined ? {} : { host });
      c.hz = await startHazelcast({ members: spec.hazelcastMembers, heapMb: HAZELCAST_HEAP_MB, ...(host === undefined ? {} : { host }) });
      log(`  NATS and ${spec.hazelcastMembers} Hazelcast members up in ${Date.now() - t0} ms`);
      const ports = await freePorts(spec.nodes.length);
      spec.nodes.forEach((n, i) => c.ports.set(n.id, ports[i] as number));
      // The first node alone first: it makes the buckets and streams the others then find.
      const [first, ...rest] = spec.nodes;
      if (first !== undefined) await c.startNode(first.id);
      await Promise.all(rest.map((n) => c.startNode(n.id)));
      log(`  ${spec.nodes.length} nodes up at ${Date.now() - t0} ms`);
      for (let f = 0; f < spec.fleets; f++) {
        c.fleetHosts.push(Array.from({ length: spec.hostsPerFleet }, (_, h) => `f${f}-h${h}`));
        await c.startFleet(f);
      }
      log(`  ${spec.fleets} HVX agent processes with ${spec.fleets * spec.hostsPerFleet} hosts up at ${Date.now() - t0} ms`);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  nodeSpec(id: string): NodeSpec {
    const n = this.spec.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** The address node `id` listens on: its namespace's, the bridge's when there is one, or the loopback. */
  private nodeHost(id: string): string {
    if (this.net === undefined) return '127.0.0.1';
    return this.net.has(id) ? this.net.address(id) : this.net.hostAddress;
  }

  gatewayUrl(id: string): string {
    return `http://${this.nodeHost(id)}:${this.ports.get(id) ?? 0}`;
  }

  /** Gateways of every node with the gateway role, running or not (clients move on when one is down). */
  gatewayUrls(): string[] {
    return this.spec.nodes.filter((n) => n.roles.includes('gateway')).map((n) => this.gatewayUrl(n.id));
  }

  /** Gateways that take uploads: those on a node with the image store. */
  uploadGatewayUrls(): string[] {
    return this.spec.nodes.filter((n) => n.roles.includes('gateway') && n.roles.includes('storage')).map((n) => this.gatewayUrl(n.id));
  }

  private nodeConfig(id: string, roles: readonly Role[], port: number): ConfigOverrides {
    return {
      mode: 'cluster',
      nodeId: id,
      roles: [...roles] as Role[],
      dataDir: join(this.dir, id),
      logLevel: 'warn' as const,
      nats: { servers: [...this.nats.urls], replicas: 1 },
      hazelcast: { members: [...this.hz.addresses], clusterName: this.hz.clusterName },
      gateway: {
        host: this.nodeHost(id),
        port,
        tls: 'off',
        shutdownGraceMs: 5000,
        // The load comes from one address and a few principals: the limits are not what is measured.
        rateLimit: { perPrincipal: { perSecond: 100_000, burst: 100_000 }, perAddress: { perSecond: 100_000, burst: 100_000 }, maxBuckets: 10_000 },
      },
      actors: { shards: this.spec.shards },
    };
  }

  private nodeEnv(config: ConfigOverrides, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, RAVEL_BENCH_CONFIG: JSON.stringify(config), ...extra };
    // The environment would override the bench's file-like configuration.
    for (const k of Object.keys(env)) if (k.startsWith('RAVEL_') && !k.startsWith('RAVEL_BENCH')) delete env[k];
    return env;
  }

  /** Starts node `id` (again) and resolves once its gateway answers /readyz. */
  async startNode(id: string): Promise<Child> {
    const spec = this.nodeSpec(id);
    const port = this.ports.get(id) ?? 0;
    const args = [...tsx, join(here, 'node-process.ts')];
    const [command, argv] = this.net?.has(id) === true ? this.net.wrap(id, process.execPath, args) : [process.execPath, args];
    const child = startChild(id, command, argv, {
      cwd: projectRoot,
      env: this.nodeEnv(this.nodeConfig(id, spec.roles, port), { RAVEL_BENCH_SHARDS: this.shardsDump(id) }),
    });
    this.nodes.set(id, child);
    await waitUntil(`node ${id}`, () => child.output().includes('bench node ready'), 120_000, child);
    if (spec.roles.includes('gateway')) {
      await waitUntil(`node ${id} ready`, async () => (await fetch(`${this.gatewayUrl(id)}/readyz`)).ok, 60_000, child);
    }
    return child;
  }

  node(id: string): Child {
    const c = this.nodes.get(id);
    if (c === undefined) throw new Error(`no node ${id}`);
    return c;
  }

  async startFleet(f: number): Promise<Child> {
    const hosts = this.fleetHosts[f] ?? [];
    const child = startChild(`fleet-${f}`, process.execPath, [...tsx, join(here, 'fleet-process.ts')], {
      cwd: projectRoot,
      env: { ...process.env, RAVEL_FLEET_DUMP: this.fleetDump(f), RAVEL_FLEET_NAME: `f${f}`, RAVEL_FLEET_HOSTS: hosts.join(','), RAVEL_NATS: this.nats.urls.join(',') },
    });
    this.fleets[f] = child;
    await waitUntil(`fleet ${f}`, () => child.output().includes('fleet ready'), 120_000, child);
    return child;
  }

  /** Makes the tenants and registers every fleet host, through a short-lived node of the cluster. */
  async setup(tenantNames: readonly string[]): Promise<Tenant[]> {
    const tenants = tenantNames.map((name) => ({ name, login: `admin-${name}`, password: `pw-${name}-${randomBytes(4).toString('hex')}` }));
    const req: SetupRequest = {
      tenants,
      hosts: this.fleetHosts.flat().map((hostId) => ({ region: REGION, hostId, capacity: HOST_CAPACITY })),
      limits: benchLimits,
    };
    const [port] = await freePorts(1);
    const child = startChild('setup', process.execPath, [...tsx, join(here, 'node-process.ts')], {
      cwd: projectRoot,
      env: this.nodeEnv(this.nodeConfig('setup', ['gateway'], port ?? 0), { RAVEL_BENCH_SETUP: JSON.stringify(req) }),
    });
    const code = await child.exited;
    const line = child.output().split('\n').find((l) => l.startsWith('bench setup '));
    if (code !== 0 || line === undefined) throw new Error(`setup failed (${code})\n${child.output()}`);
    const result = JSON.parse(line.slice('bench setup '.length)) as SetupResult;
    return tenants.map((t) => {
      const org = result.tenants.find((r) => r.name === t.name);
      if (org === undefined) throw new Error(`setup made no organization ${t.name}`);
      return { ...t, organizationId: org.organizationId };
    });
  }

  /** Where each fleet's hosts say their VMs are (SIGUSR2 to each running fleet, which writes a file). */
  async hostVms(): Promise<Record<string, Array<{ id: string; state: string }>>> {
    const out: Record<string, Array<{ id: string; state: string }>> = {};
    await Promise.all(this.fleets.map(async (f, i) => {
      if (f === undefined || f.process.exitCode !== null || f.process.signalCode !== null) return;
      const dump = await dumpOnSignal<{ vms: Record<string, Array<{ id: string; state: string }>> }>(f, this.fleetDump(i));
      Object.assign(out, dump.vms);
    }));
    return out;
  }

  /** The shards node `id` owns, by its own account (SIGUSR2: it writes them to a file). */
  async ownedShards(id: string): Promise<number[]> {
    return (await dumpOnSignal<{ shards: number[] }>(this.node(id), this.shardsDump(id))).shards;
  }

  private shardsDump(id: string): string {
    return join(this.dir, `shards-${id}.json`);
  }

  private fleetDump(f: number): string {
    return join(this.dir, `fleet-${f}-vms.json`);
  }

  /** Name and pid of every process of the cluster, for the sampler. */
  pids(): Array<readonly [string, number | undefined]> {
    return [
      ...[...this.nodes].map(([id, c]) => [`node ${id}`, c.process.pid] as const),
      ...this.fleets.map((c, i) => [`hvx fleet ${i}`, c?.process.pid] as const),
      ...this.hz.addresses.map((a, i) => [`hazelcast ${i}`, javaPid(this.hz.clusterName, a)] as const),
      ...this.nats.specs.map((n, i) => [`nats ${i}`, natsPid(n.storeDir)] as const),
    ];
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((c) => {
      c.signal('SIGCONT');
      return c.stop(8000);
    }));
    await Promise.all(this.fleets.map((c) => (c === undefined ? Promise.resolve() : c.stop(5000))));
    await this.hz?.stop();
    await this.nats?.stop();
    this.net?.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
