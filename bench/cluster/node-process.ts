/**
 * One Ravel node of the cluster bench, as its own process: the same composition as `ravel node`
 * (startRavelNode), with the configuration given as JSON in RAVEL_BENCH_CONFIG so the bench can
 * set what the environment cannot (rate limits). With RAVEL_BENCH_SETUP it first makes the
 * bench's tenants and registers its hosts as an operator, prints them, and exits. On SIGUSR2 it
 * writes the shards it owns to RAVEL_BENCH_SHARDS (a signal reaches it when the network does not).
 */
import { writeFileSync } from 'node:fs';
import { compileConfig } from '../../config/load.ts';
import type { ConfigOverrides } from '../../config/schema.ts';
import { systemClock } from '../../core/clock.ts';
import { createLogger } from '../../core/log.ts';
import { isRavelError } from '../../core/errors.ts';
import type { Principal } from '../../domain/tenancy/principal.ts';
import { startRavelNode } from '../../service/ravel-node.ts';
import type { SetupRequest, SetupResult } from './spec.ts';
import { HEAP_DIR_ENV, startHeapReports } from './heap-report.ts';

const overrides = JSON.parse(process.env['RAVEL_BENCH_CONFIG'] ?? '{}') as ConfigOverrides;
const config = compileConfig(overrides, process.env);
const nodeId = config.nodeId ?? `bench-${process.pid}`;
const log = createLogger({ node: nodeId }, config.logLevel);
const node = await startRavelNode(config, { nodeId, clock: systemClock, log });
// `cluster soak` judges the nodes' live JS memory, which only the process can tell.
const heapDir = process.env[HEAP_DIR_ENV];
if (heapDir !== undefined) startHeapReports(heapDir);

const setup = process.env['RAVEL_BENCH_SETUP'];
if (setup !== undefined) {
  const req = JSON.parse(setup) as SetupRequest;
  const operator: Principal = { kind: 'operator', name: 'cluster-bench' };
  const result: SetupResult = { tenants: [] };
  // Each step is idempotent (a host registers once, an organization has a request id): on a
  // loaded machine an ask may time out, and is sent again.
  const retried = async <T>(f: () => Promise<T>): Promise<T> => {
    for (let i = 0; ; i++) {
      try {
        return await f();
      } catch (e) {
        if (i >= 5 || !(isRavelError(e, 'TIMEOUT') || isRavelError(e, 'UNAVAILABLE'))) throw e;
      }
    }
  };
  for (const h of req.hosts) {
    await retried(() => node.control.registerHost(operator, { region: h.region, hostId: h.hostId, capacity: h.capacity }));
  }
  for (const t of req.tenants) {
    const { organization } = await retried(() => node.control.createOrganization(operator, {
      name: t.name,
      identityDomain: t.name,
      admin: { email: t.login, password: t.password, name: t.name, surname: 'Bench' },
    }, { requestId: `bench-org-${t.name}` }));
    await retried(() => node.control.setLimits(operator, organization.id, req.limits));
    result.tenants.push({ name: t.name, organizationId: organization.id });
  }
  process.stdout.write(`bench setup ${JSON.stringify(result)}\n`);
  await node.close();
  process.exit(0);
}

const shardsFile = process.env['RAVEL_BENCH_SHARDS'];
let dumps = 0;
if (shardsFile !== undefined) {
  process.on('SIGUSR2', () => writeFileSync(shardsFile, JSON.stringify({ seq: ++dumps, shards: node.system?.ownedShards() ?? [] })));
}
process.stdout.write(`bench node ready ${node.gateway?.url ?? '-'}\n`);
await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await node.close();
process.exit(0);
