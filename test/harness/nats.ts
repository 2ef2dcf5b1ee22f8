/**
 * NATS servers with JetStream for tests: one, or a cluster of three joined by routes with
 * clustered JetStream. Each server has its own free ports, a config file and a store in a temp
 * dir; `restart(i)` brings it back on the same ports and store; `kill(i)` is SIGKILL. `stop()`
 * ends them all and removes the temp dir. Servers are children from child-process.ts, so none
 * outlives the test process.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki, type TestPki } from './certs.ts';
import { startChild, waitUntil, type Child } from './child-process.ts';
import { freePorts } from './ports.ts';

/** Subjects a user may or may not publish or subscribe to (nats-server's permission blocks). */
export interface NatsPermissionRules {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

/** A user of the server's global account. Without permissions it may do anything. */
export interface NatsUser {
  readonly user: string;
  readonly password: string;
  readonly permissions?: { readonly publish?: NatsPermissionRules; readonly subscribe?: NatsPermissionRules };
}

export interface NatsServerTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** Clients must present a certificate signed by the CA. */
  readonly verify: boolean;
}

export interface NatsServerSpec {
  readonly name: string;
  /** The address clients and routes listen on (127.0.0.1 unless given). */
  readonly host?: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly clusterPort: number | undefined;
  readonly storeDir: string;
  /** Route URLs of the other members (empty for a single server). */
  readonly routes: readonly string[];
  /** Clients must connect over TLS (routes between members stay plain). */
  readonly tls?: NatsServerTls;
  /** When given, clients must log in as one of these users. */
  readonly users?: readonly NatsUser[];
}

export interface NatsStartOptions {
  /** Three members with clustered JetStream instead of one server. */
  cluster?: boolean;
  /** Clients must use TLS with certificates from `pki` (made in the temp dir), and present their own. */
  tls?: boolean;
  /** Clients log in as one of these users. */
  users?: readonly NatsUser[];
  /** Listen on this address instead of the loopback (one other network namespaces can reach). */
  host?: string;
}

export interface NatsServers {
  /** Client URLs, one per server (`tls://` when TLS is required). */
  readonly urls: readonly string[];
  /** The CA and certificates, when started with TLS. */
  readonly pki: TestPki | undefined;
  readonly specs: readonly NatsServerSpec[];
  /** SIGKILL, and wait until it has exited. */
  kill(i: number): Promise<void>;
  /** Stops server i (if running) and starts it again on the same ports and store. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** The config file of one server: listeners, JetStream, and TLS and users when the spec has them. */
export function natsConfig(spec: NatsServerSpec): string {
  const host = spec.host ?? '127.0.0.1';
  const lines = [
    `server_name: ${spec.name}`,
    `listen: ${host}:${spec.port}`,
    `http: 127.0.0.1:${spec.monitorPort}`,
    `jetstream {`,
    `  store_dir: "${spec.storeDir}"`,
    `  max_memory_store: 256MB`,
    `  max_file_store: 2GB`,
    `}`,
  ];
  if (spec.clusterPort !== undefined) {
    lines.push(
      `cluster {`,
      `  name: ravel-test`,
      `  listen: ${host}:${spec.clusterPort}`,
      `  routes: [${spec.routes.map((r) => JSON.stringify(r)).join(', ')}]`,
      `}`,
    );
  }
  if (spec.tls !== undefined) {
    const t = spec.tls;
    lines.push(
      `tls {`,
      `  cert_file: ${JSON.stringify(t.certFile)}`,
      `  key_file: ${JSON.stringify(t.keyFile)}`,
      `  ca_file: ${JSON.stringify(t.caFile)}`,
      `  verify: ${t.verify}`,
      `  timeout: 5`,
      `}`,
    );
  }
  if (spec.users !== undefined) lines.push(...authorizationBlock(spec.users));
  return `${lines.join('\n')}\n`;
}

function authorizationBlock(users: readonly NatsUser[]): string[] {
  const rules = (r: NatsPermissionRules | undefined): string[] => {
    if (r === undefined) return [];
    const list = (xs: readonly string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
    return [...(r.allow === undefined ? [] : [`allow: ${list(r.allow)}`]), ...(r.deny === undefined ? [] : [`deny: ${list(r.deny)}`])];
  };
  const out = ['authorization {', '  users: ['];
  for (const u of users) {
    const p = u.permissions;
    const perms =
      p === undefined
        ? ''
        : `, permissions: { publish: { ${rules(p.publish).join(', ')} }, subscribe: { ${rules(p.subscribe).join(', ')} } }`;
    out.push(`    { user: ${JSON.stringify(u.user)}, password: ${JSON.stringify(u.password)}${perms} }`);
  }
  out.push('  ]', '}');
  return out;
}

export async function startNats(options: NatsStartOptions = {}): Promise<NatsServers> {
  const n = options.cluster === true ? 3 : 1;
  const root = mkdtempSync(join(tmpdir(), 'ravel-nats-'));
  let pki: TestPki | undefined;
  if (options.tls === true) {
    mkdirSync(join(root, 'pki'));
    pki = makeTestPki(join(root, 'pki'));
  }
  const tls: NatsServerTls | undefined = pki === undefined ? undefined : { ...pki.server, caFile: pki.caFile, verify: true };
  const ports = await freePorts(n * 3);
  const host = options.host ?? '127.0.0.1';
  const port = (i: number, k: number): number => ports[i * 3 + k] as number;
  const specs: NatsServerSpec[] = Array.from({ length: n }, (_, i) => ({
    name: `n${i}`,
    port: port(i, 0),
    monitorPort: port(i, 1),
    clusterPort: n > 1 ? port(i, 2) : undefined,
    storeDir: join(root, `n${i}`, 'store'),
    routes: n > 1 ? routesOf(n, i, port, host) : [],
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(tls === undefined ? {} : { tls }),
    ...(options.users === undefined ? {} : { users: options.users }),
  }));
  const children: Array<Child | undefined> = [];

  const launch = (i: number): Child => {
    const spec = specs[i] as NatsServerSpec;
    mkdirSync(spec.storeDir, { recursive: true });
    const file = join(root, `n${i}`, 'nats.conf');
    writeFileSync(file, natsConfig(spec));
    const child = startChild(`nats-server ${spec.name}`, 'nats-server', ['-c', file]);
    children[i] = child;
    return child;
  };
  const ready = async (i: number): Promise<void> => {
    const spec = specs[i] as NatsServerSpec;
    await waitUntil(`nats-server ${spec.name}`, () => jetStreamReady(spec, n > 1), 20_000, children[i]);
  };

  const servers: NatsServers = {
    urls: specs.map((s) => `${tls === undefined ? 'nats' : 'tls'}://${host}:${s.port}`),
    pki,
    specs,
    async kill(i) {
      const c = children[i];
      if (c === undefined) return;
      c.signal('SIGKILL');
      await c.exited;
    },
    async restart(i) {
      await children[i]?.stop();
      launch(i);
      await ready(i);
    },
    async stop() {
      await Promise.all(children.map((c) => (c === undefined ? Promise.resolve() : c.stop())));
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < n; i++) launch(i);
    for (let i = 0; i < n; i++) await ready(i);
  } catch (e) {
    await servers.stop();
    throw e;
  }
  return servers;
}

function routesOf(n: number, self: number, port: (i: number, k: number) => number, host: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) if (i !== self) out.push(`nats-route://${host}:${port(i, 2)}`);
  return out;
}

/** JetStream answers healthy, and in a cluster a meta leader has been elected. */
async function jetStreamReady(spec: NatsServerSpec, clustered: boolean): Promise<boolean> {
  const health = await fetch(`http://127.0.0.1:${spec.monitorPort}/healthz?js-enabled-only=true`);
  if (!health.ok) return false;
  if (!clustered) return true;
  const jsz = (await (await fetch(`http://127.0.0.1:${spec.monitorPort}/jsz`)).json()) as {
    meta_cluster?: { leader?: string };
  };
  return typeof jsz.meta_cluster?.leader === 'string' && jsz.meta_cluster.leader !== '';
}
