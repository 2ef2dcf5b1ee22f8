/**
 * Hazelcast members for tests: N Java members on free loopback ports, each in its own temp
 * dir, configured by grid/hazelcast/member.xml (cluster name unique per run, tcp-ip join of
 * the listed members, one backup on every map). Resolves once every member is started and
 * sees all the others; stop() leaves no process behind.
 *
 *   const hz = await startHazelcast({ members: 2 });
 *   ... HazelcastGrid.connect({ members: hz.addresses, clusterName: hz.clusterName }) ...
 *   await hz.kill(1); // SIGKILL, for fault tests
 *   await hz.stop();
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, waitUntil, type Child } from './child-process.ts';
import { freePorts } from './ports.ts';
import { hazelcastJar, projectRoot } from './requirements.ts';

export interface HazelcastOptions {
  members?: number;
  heapMb?: number;
  /** How long one member may take to start and join. */
  startTimeoutMs?: number;
  /** The address members bind and announce (127.0.0.1 unless given; one other network namespaces can reach). */
  host?: string;
}

export interface HazelcastCluster {
  /** host:port of each member, in start order. */
  readonly addresses: readonly string[];
  readonly clusterName: string;
  /** SIGKILL member i and wait until it is gone (no graceful partition hand-off). */
  kill(i: number): Promise<void>;
  /** Shut member i down gracefully (SIGTERM: its partitions migrate first). */
  stopMember(i: number): Promise<void>;
  /** Starts member i again (after kill or stopMember) on its port, and waits until it is up. */
  restart(i: number): Promise<void>;
  /** The member's recent log, for diagnosis. */
  output(i: number): string;
  /** Stops every member still running and removes the temp dirs. */
  stop(): Promise<void>;
}

export const memberConfig = join(projectRoot, 'grid', 'hazelcast', 'member.xml');

const jvmFlags = [
  '-XX:+UseSerialGC',
  '-Djava.net.preferIPv4Stack=true',
  // Quiet the module warnings Hazelcast prints on Java 17.
  '--add-modules=java.se',
  '--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.management/sun.management=ALL-UNNAMED',
  '--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED',
];

function memberCount(output: string): number {
  const sizes = [...output.matchAll(/Members \{size:(\d+),/g)];
  const last = sizes[sizes.length - 1];
  return last === undefined ? 0 : Number(last[1]);
}

export async function startHazelcast(options: HazelcastOptions = {}): Promise<HazelcastCluster> {
  const jar = hazelcastJar();
  if (jar === undefined) throw new Error('the Hazelcast jar is missing (run scripts/fetch-hazelcast.sh)');
  const n = options.members ?? 1;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const clusterName = `ravel-test-${randomBytes(6).toString('hex')}`;
  const ports = await freePorts(n);
  const host = options.host ?? '127.0.0.1';
  const addresses = ports.map((p) => `${host}:${p}`);
  const dirs: string[] = [];
  const children: Child[] = [];

  const launch = (i: number): Child => {
    const dir = mkdtempSync(join(tmpdir(), `ravel-hz${i}-`));
    dirs.push(dir);
    const args = [
      `-Xmx${options.heapMb ?? 256}m`,
      ...jvmFlags,
      `-Dhazelcast.config=${memberConfig}`,
      `-Dhazelcast.local.localAddress=${host}`,
      `-Dravel.cluster.name=${clusterName}`,
      `-Dravel.port=${ports[i]}`,
      `-Dravel.members=${addresses.join(',')}`,
      '-cp',
      jar,
      'com.hazelcast.core.server.HazelcastMemberStarter',
    ];
    const child = startChild(`hazelcast-${i}`, 'java', args, { cwd: dir });
    children[i] = child;
    return child;
  };
  const started = (c: Child): Promise<void> =>
    waitUntil(`${c.name} start`, () => c.output().includes(' is STARTED'), timeoutMs, c);

  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => c.stop(5000)));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };

  try {
    // The first member becomes master before the others start, so they join it rather than
    // forming clusters of their own that would only merge minutes later.
    await started(launch(0));
    const rest = Array.from({ length: n - 1 }, (_, i) => launch(i + 1));
    await Promise.all(rest.map(started));
    await Promise.all(
      children.map((c) => waitUntil(`${c.name} sees ${n} members`, () => memberCount(c.output()) === n, timeoutMs, c)),
    );
  } catch (e) {
    await stop();
    throw e;
  }

  const member = (i: number): Child => {
    const c = children[i];
    if (c === undefined) throw new Error(`no Hazelcast member ${i}`);
    return c;
  };
  return {
    addresses,
    clusterName,
    async kill(i) {
      const c = member(i);
      c.signal('SIGKILL');
      await c.exited;
    },
    async stopMember(i) {
      await member(i).stop(10_000);
    },
    async restart(i) {
      await member(i).stop(10_000);
      await started(launch(i));
    },
    output: (i) => member(i).output(),
    stop,
  };
}
