/**
 * A load-generator process of the cluster bench. It runs one workload against the gateways
 * over REST and WebSockets, never inside a node, and appends every operation to its history
 * file (history.ts). Configured by RAVEL_LOADGEN (a LoadgenConfig as JSON); starts at
 * SIGUSR1 (sent once every generator has its sessions) so all begin together, and exits
 * `durationS` later.
 */
import { createWriteStream } from 'node:fs';
import { match } from 'ts-pattern';
import type { HistoryLine, OpName } from './history.ts';
import type { WorkloadKind } from './spec.ts';
import { TenantClient, type CallResult, type TenantLogin } from './rest-client.ts';
import { runLiveClients } from './live-clients.ts';
import { vmDesignFor } from './vm-design.ts';
import { EXPIRY_GRACE_MS } from './checker.ts';

export interface LoadgenConfig {
  readonly kind: WorkloadKind;
  readonly proc: string;
  readonly tenants: readonly TenantLogin[];
  readonly gateways: readonly string[];
  readonly durationS: number;
  readonly concurrency: number;
  readonly historyFile: string;
  readonly seed: number;
}

const cfg = JSON.parse(process.env['RAVEL_LOADGEN'] ?? '{}') as LoadgenConfig;
const out = createWriteStream(cfg.historyFile, { flags: 'a' });
const record = (l: HistoryLine): void => void out.write(`${JSON.stringify(l)}\n`);

// A small deterministic generator per worker, so a run can be repeated.
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

let serial = 0;
/** Writes that take X-Request-Id: an indeterminate one is sent again with the same id. */
const keyed: ReadonlySet<OpName> = new Set(['create', 'publish', 'start', 'stop']);
const RETRIES = 2;

/**
 * Runs one operation and records its invoke and completion. A keyed write whose outcome is
 * unknown is retried with the same X-Request-Id (each attempt its own operation in the history,
 * with the same name): the checker then finds an application created twice if the key failed.
 */
async function op(
  client: TenantClient,
  name: OpName,
  method: string,
  path: string,
  body: unknown,
  ids: { app?: number; name?: string } = {},
  extra: { expiresAt?: number } = {},
): Promise<CallResult> {
  const requestId = keyed.has(name) ? `${cfg.proc}-k${serial + 1}` : undefined;
  for (let attempt = 0; ; attempt++) {
    const r = await attemptOnce(client, name, method, path, body, ids, extra, requestId);
    if (r.outcome !== 'info' || requestId === undefined || attempt >= RETRIES || !live()) return r;
  }
}

async function attemptOnce(
  client: TenantClient,
  name: OpName,
  method: string,
  path: string,
  body: unknown,
  ids: { app?: number; name?: string },
  extra: { expiresAt?: number },
  requestId: string | undefined,
): Promise<CallResult> {
  const id = `${cfg.proc}-${++serial}`;
  const t0 = Date.now();
  record({ type: 'invoke', id, op: name, tenant: client.tenant.name, at: t0, gateway: client.gateway, ...ids });
  const r = await client.call(method, path, body, requestId);
  const at = Date.now();
  const appFromBody = ids.app ?? (r.outcome === 'ok' ? (r.body as { id?: number } | undefined)?.id : undefined);
  record({
    type: r.outcome,
    id,
    op: name,
    tenant: client.tenant.name,
    at,
    ms: at - t0,
    status: r.status,
    ...(r.code === undefined ? {} : { code: r.code }),
    ...(appFromBody === undefined ? {} : { app: appFromBody }),
    ...(ids.name === undefined ? {} : { name: ids.name }),
    ...(r.outcome === 'ok' ? extra : {}),
  });
  return r;
}

const vmDesign = vmDesignFor;

interface OwnedApp {
  readonly id: number;
  readonly name: string;
  published: boolean;
  running: boolean;
}

/**
 * A worker stops acting on an application once it expires (it must stop by itself) or once an
 * operation on it has an unknown outcome. It keeps this many such applications, the last ones,
 * for the checker to judge in the final state, and deletes the oldest past that: left for good,
 * each keeps its VM's room on its host, and over a long run (a soak) the hosts filled and every
 * publish after the fifth minute failed for want of room (UNAVAILABLE), the organizations'
 * application lists only growing.
 */
const KEEP_RETIRED = 6;

interface RetiredApp {
  readonly app: OwnedApp;
  /** Not deleted before then: an expiring one once the checker would see it stopped. */
  readonly deletableAt: number;
}

/** Ids of every tenant's applications in this process: the cross-tenant probes read them. */
const appsByTenant = new Map<string, number[]>();

/** Set when the start signal comes. */
let deadline = Number.POSITIVE_INFINITY;
const live = (): boolean => Date.now() < deadline;

function checkList(client: TenantClient, r: CallResult): void {
  if (r.outcome !== 'ok' || !Array.isArray(r.body)) return;
  const prefix = `${client.tenant.name}-`;
  for (const a of r.body as Array<{ name?: string; id?: number }>) {
    if (a.name !== undefined && !a.name.startsWith(prefix) && !a.name.startsWith(`${client.tenant.name}.`)) {
      record({ type: 'violation', tenant: client.tenant.name, at: Date.now(), rule: 'tenant-isolation', detail: `listed ${a.name} (${a.id})` });
    }
  }
}

async function controlPlaneWorker(client: TenantClient, w: number): Promise<void> {
  const rand = rng(cfg.seed * 1000 + w);
  const t = client.tenant.name;
  const owned: OwnedApp[] = [];
  const retired: RetiredApp[] = [];
  let n = 0;
  const forget = (a: OwnedApp): void => void owned.splice(owned.indexOf(a), 1);
  const retire = (a: OwnedApp, deletableAt = Date.now()): void => {
    forget(a);
    retired.push({ app: a, deletableAt });
  };
  while (live()) {
    const oldest = retired[0];
    if (retired.length > KEEP_RETIRED && oldest !== undefined && oldest.deletableAt <= Date.now()) {
      retired.shift();
      // Whatever its outcome, it is not tried again: the checker judges it from its history.
      await op(client, 'delete', 'DELETE', `/applications/${oldest.app.id}`, undefined, { app: oldest.app.id, name: oldest.app.name });
      continue;
    }
    const roll = rand();
    if (owned.length < 2 || (owned.length < 5 && roll < 0.12)) {
      const name = `${t}-${cfg.proc}-w${w}-${++n}`;
      const r = await op(client, 'create', 'POST', '/applications', { name, design: { vms: [vmDesign(1)] } }, { name });
      const id = (r.body as { id?: number } | undefined)?.id;
      if (r.outcome === 'ok' && typeof id === 'number') {
        owned.push({ id, name, published: false, running: false });
        appsByTenant.set(t, [...(appsByTenant.get(t) ?? []).slice(-50), id]);
      }
      continue;
    }
    if (roll < 0.16) {
      const others = [...appsByTenant].filter(([k]) => k !== t).flatMap(([, v]) => v);
      const other = others[Math.floor(rand() * others.length)];
      if (other !== undefined) {
        const r = await op(client, 'probe-other', 'GET', `/applications/${other}`, undefined, { app: other });
        if (r.outcome === 'ok') record({ type: 'violation', tenant: t, at: Date.now(), rule: 'tenant-isolation', detail: `read application ${other} of another tenant` });
        continue;
      }
    }
    if (roll < 0.22) {
      checkList(client, await op(client, 'list', 'GET', '/applications', undefined));
      continue;
    }
    const a = owned[Math.floor(rand() * owned.length)];
    if (a === undefined) continue;
    const ids = { app: a.id, name: a.name };
    const pick = rand();
    const path = `/applications/${a.id}`;
    const action = !a.published
      ? pick < 0.75 ? 'publish' : 'delete'
      : a.running
        ? pick < 0.45 ? 'stop' : pick < 0.6 ? 'expire' : pick < 0.72 ? 'delete' : 'deployment'
        : pick < 0.6 ? 'start' : pick < 0.85 ? 'delete' : 'deployment';
    let expiresAt = 0;
    const r = await match(action)
      .with('publish', () => op(client, 'publish', 'POST', `${path}/publish`, { optimizationLevel: 'COST_OPTIMIZED' }, ids))
      .with('start', () => op(client, 'start', 'POST', `${path}/start`, undefined, ids))
      .with('stop', () => op(client, 'stop', 'POST', `${path}/stop`, undefined, ids))
      .with('delete', () => op(client, 'delete', 'DELETE', path, undefined, ids))
      .with('deployment', () => op(client, 'deployment', 'GET', `${path};deployment`, undefined, ids))
      .with('expire', () => {
        const seconds = 5 + Math.floor(rand() * 10);
        expiresAt = Date.now() + seconds * 1000;
        return op(client, 'expire', 'POST', `${path}/setExpiration`, { expirationFromNowSeconds: seconds }, ids, { expiresAt });
      })
      .exhaustive();
    if (action === 'deployment') continue;
    if (r.outcome === 'info') {
      // Whether it took effect is unknown: the checker judges this application from its history alone.
      retire(a);
      continue;
    }
    if (r.outcome === 'fail') {
      if (r.code === 'NOT_FOUND') forget(a);
      continue;
    }
    match(action)
      .with('publish', 'start', () => {
        a.published = true;
        a.running = true;
      })
      .with('stop', () => void (a.running = false))
      // An expiring application is left alone until the checker would judge it stopped.
      .with('expire', () => retire(a, expiresAt + EXPIRY_GRACE_MS + 5000))
      .with('delete', () => forget(a))
      .exhaustive();
  }
}

async function readMixWorker(client: TenantClient, w: number, ids: readonly number[]): Promise<void> {
  const rand = rng(cfg.seed * 1000 + w);
  while (live()) {
    const roll = rand();
    const id = ids[Math.floor(rand() * ids.length)];
    if (roll < 0.5 || id === undefined) checkList(client, await op(client, 'list', 'GET', '/applications', undefined));
    else if (roll < 0.75) await op(client, 'get', 'GET', `/applications/${id}`, undefined, { app: id });
    else if (roll < 0.93) await op(client, 'deployment', 'GET', `/applications/${id};deployment`, undefined, { app: id });
    else await op(client, 'organization', 'GET', '/organization', undefined);
  }
}

async function readMix(): Promise<void> {
  const workers: Array<Promise<void>> = [];
  for (const [ti, tenant] of cfg.tenants.entries()) {
    const setupClient = new TenantClient(tenant, cfg.gateways, ti);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const name = `${tenant.name}-${cfg.proc}-read-${i}`;
      const r = await op(setupClient, 'create', 'POST', '/applications', { name, design: { vms: [vmDesign(1)] } }, { name });
      const id = (r.body as { id?: number } | undefined)?.id;
      if (typeof id === 'number') ids.push(id);
    }
    for (let w = 0; w < cfg.concurrency; w++) workers.push(readMixWorker(new TenantClient(tenant, cfg.gateways, w), ti * 100 + w, ids));
  }
  await Promise.all(workers);
}

async function waitForStart(): Promise<void> {
  const started = new Promise<void>((resolve) => process.once('SIGUSR1', () => resolve()));
  // Sessions first, outside the measured window: a login runs scrypt on the node. One tenant at
  // a time, the processes a little apart, and again until it works: a node asked for half a
  // dozen logins at once answers most of them 504 after its ask timeout, and each retry adds to
  // the pile (seen with every generator on one node of the scaling runs).
  await new Promise((r) => setTimeout(r, (cfg.seed - 1) * 1500));
  const until = Date.now() + 150_000;
  for (const [i, t] of cfg.tenants.entries()) {
    const client = new TenantClient(t, cfg.gateways, i, 30_000);
    while (!(await client.ensureLogin()) && Date.now() < until) await new Promise((r) => setTimeout(r, 1000 + 2000 * Math.random()));
  }
  process.stdout.write('loadgen ready\n');
  // A signal listener does not keep the event loop alive (an unsettled top-level await exits 13).
  const alive = setInterval(() => undefined, 1000);
  await started;
  clearInterval(alive);
  deadline = Date.now() + cfg.durationS * 1000;
}

await match(cfg.kind)
  .with('control-plane', async () => {
    await waitForStart();
    const workers: Array<Promise<void>> = [];
    cfg.tenants.forEach((tenant, ti) => {
      for (let w = 0; w < cfg.concurrency; w++) workers.push(controlPlaneWorker(new TenantClient(tenant, cfg.gateways, w), ti * 100 + w));
    });
    await Promise.all(workers);
  })
  .with('read-mix', async () => {
    await waitForStart();
    await readMix();
  })
  .with('live', async () => {
    await waitForStart();
    await runLiveClients({ tenants: cfg.tenants, gateways: cfg.gateways, concurrency: cfg.concurrency, deadline, record, proc: cfg.proc });
  })
  .with('uploads', async () => {
    await waitForStart();
    const { runUploads } = await import('./upload-workload.ts');
    await runUploads({ tenants: cfg.tenants, gateways: cfg.gateways, concurrency: cfg.concurrency, deadline, record, proc: cfg.proc });
  })
  .exhaustive();

await new Promise<void>((resolve) => out.end(resolve));
process.stdout.write('loadgen done\n');
process.exit(0);
