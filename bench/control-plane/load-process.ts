/**
 * A load process of the three-node control-plane run: its share of the applications created,
 * published with every VM started and watched until all are STARTED, over the real REST
 * interface of the cluster's gateways (bench/cluster/rest-client.ts), by its share of the 64
 * clients. Configured by RAVEL_CP_LOAD (load-messages.ts). Logs its tenants in, prints
 * `load ready`, starts at SIGUSR1, prints `workload finished`; at the next SIGUSR1 it runs the
 * REST read baseline, writes its result file, prints `results written` and exits.
 */
import { writeFileSync } from 'node:fs';
import { sampleVm } from '../../domain/test-fixtures.ts';
import { TenantClient, type CallResult } from '../cluster/rest-client.ts';
import { parseLoadConfig, type LoadResult } from './load-messages.ts';
import { emptyTally, startAll, type Started } from './topology-result.ts';

const cfg = parseLoadConfig(process.env['RAVEL_CP_LOAD'] ?? '');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const tally = emptyTally();
// Orphaned (the bench killed outright): nothing would ever signal this process, so it goes too.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && process.exit(1), 1000).unref();
/** A signal listener does not keep the event loop alive: this does, while a signal is awaited. */
const signalled = async (sig: NodeJS.Signals): Promise<void> => {
  const alive = setInterval(() => undefined, 1000);
  await new Promise<void>((resolve) => process.once(sig, () => resolve()));
  clearInterval(alive);
};

class CallFailed extends Error {}

/**
 * One call, sent again with the same request id (so applied once) while its outcome is unknown
 * (timeout, lost connection, 5xx), as the one-node run retries a timed-out ask.
 */
async function call(client: TenantClient, method: string, path: string, body?: unknown, requestId?: string): Promise<CallResult> {
  for (let attempt = 1; ; attempt++) {
    const r = await client.call(method, path, body, requestId);
    if (r.outcome === 'ok') return r;
    if (r.outcome === 'fail' || attempt >= 5) throw new CallFailed(`${method} ${path}: ${r.code ?? r.status}`);
    tally.retries++;
  }
}

interface Deployment {
  deployment?: { vms?: Array<{ state?: string; hostId?: string }> };
}

/** Publishes application `n` with every VM started; answers ms from the publish call to all STARTED. */
async function startOne(client: TenantClient, n: number): Promise<Started> {
  const created = await call(client, 'POST', '/applications', { name: `app-${n}`, design: { vms: [sampleVm(1), sampleVm(2), sampleVm(3)] } }, `cp-create-${n}`);
  const id = (created.body as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'number') throw new CallFailed(`application ${n}: created without an id`);
  const t0 = performance.now();
  await call(client, 'POST', `/applications/${id}/publish`, { optimizationLevel: 'COST_OPTIMIZED', startAllVms: true }, `cp-publish-${n}`);
  const publishMs = performance.now() - t0;
  await sleep(cfg.bootMs);
  for (;;) {
    const got = await call(client, 'GET', `/applications/${id};deployment`);
    const vms = (got.body as Deployment | undefined)?.deployment?.vms ?? [];
    if (vms.length === 3 && vms.every((v) => v.state === 'STARTED')) {
      return { id, ms: performance.now() - t0, publishMs, hosts: vms.flatMap((v) => (v.hostId === undefined ? [] : [v.hostId])) };
    }
    if (vms.some((v) => v.state === 'ERROR')) throw new CallFailed(`application ${id}: a VM in ERROR`);
    await sleep(cfg.pollMs);
  }
}

// Sessions first, outside the measured window: a login runs scrypt on a node. One at a time per
// gateway (client c starts at gateway c), again until it works: a loaded node answers a pile of
// logins with timeouts.
const clients = Array.from({ length: cfg.clients }, (_, c) => new TenantClient(cfg.tenants[c % cfg.tenants.length] as (typeof cfg.tenants)[number], cfg.gateways, c, 30_000));
const loginDeadline = Date.now() + 180_000;
const lanes = cfg.gateways.length;
await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
  for (const client of clients.slice(0, cfg.tenants.length).filter((_c, i) => i % lanes === lane)) {
    while (!(await client.ensureLogin())) {
      if (Date.now() > loginDeadline) throw new Error(`${cfg.proc}: tenant ${client.tenant.name} could not log in`);
      await sleep(1000);
    }
  }
}));
process.stdout.write('load ready\n');
await signalled('SIGUSR1');

const t0 = performance.now();
const progress = setInterval(() => process.stdout.write(`progress ${tally.overheadMs.length} ${tally.failed}\n`), 5000);
await startAll(clients, { first: cfg.first, end: cfg.first + cfg.count, bootMs: cfg.bootMs }, tally, startOne);
clearInterval(progress);
process.stdout.write(`progress ${tally.overheadMs.length} ${tally.failed}\nworkload finished in ${Math.round(performance.now() - t0)} ms\n`);

// The REST read baseline: the first client's tenant reads its applications' deployments, every
// client of this process one read in flight, all processes at once.
await signalled('SIGUSR1');
const reader = clients[0] as TenantClient;
const latencyMs: number[] = [];
let refused = 0;
const readsStart = performance.now();
const readsEnd = readsStart + cfg.baselineSeconds * 1000;
let i = 0;
await Promise.all(
  clients.map(async () => {
    while (performance.now() < readsEnd && tally.sampleIds.length > 0) {
      const id = tally.sampleIds[i++ % tally.sampleIds.length] as number;
      const t = performance.now();
      const r = await reader.call('GET', `/applications/${id};deployment`);
      if (r.outcome === 'ok') latencyMs.push(performance.now() - t);
      else refused++;
    }
  }),
);
const result: LoadResult = { tally, reads: { seconds: (performance.now() - readsStart) / 1000, latencyMs, refused } };
writeFileSync(cfg.resultFile, JSON.stringify(result));
process.stdout.write('results written\n');
process.exit(0);
