/**
 * An HVX agent process of the cluster bench: a SimFleet of `RAVEL_FLEET_HOSTS` hosts on its own
 * NATS connection (the sim driver). It makes each host's durable consumer, prints its host ids
 * once all are up, and on SIGUSR2 writes every VM it runs by host to RAVEL_FLEET_DUMP (the checker's view of where
 * VMs really are). A SIGKILL takes its VMs with it, as a host failure would. RAVEL_FLEET_TIMING
 * (a SimTiming as JSON) replaces its boot and shutdown times, for a bench that subtracts them.
 * Under `cluster soak` it reports its live JS memory (heap-report.ts), as a node does.
 */
import { writeFileSync } from 'node:fs';
import { NatsBus } from '../../bus/nats/nats-bus.ts';
import { systemClock } from '../../core/clock.ts';
import { createLogger } from '../../core/log.ts';
import { SimFleet } from '../../hvx/fleet/sim-fleet.ts';
import { ensureHvxStreams } from '../../hvx/host-provisioning.ts';
import { checkSimOptions, type SimTiming } from '../../hvx/drivers/sim/sim-options.ts';
import { HOST_CAPACITY } from './spec.ts';
import { HEAP_DIR_ENV, startHeapReports } from './heap-report.ts';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is required`);
  return v;
};
const name = env('RAVEL_FLEET_NAME');
const hosts = env('RAVEL_FLEET_HOSTS').split(',');
const timingEnv = process.env['RAVEL_FLEET_TIMING'];
const timing = (timingEnv === undefined ? { bootMs: 800, shutdownMs: 400, jitterMs: 200, seed: 7 } : JSON.parse(timingEnv)) as SimTiming;
checkSimOptions({ capacity: HOST_CAPACITY, timing });
const log = createLogger({ fleet: name }, 'warn');
const bus = await NatsBus.connect({ servers: env('RAVEL_NATS').split(','), replicas: 1, name: `fleet-${name}`, callTimeoutMs: 30_000, logger: log });
await ensureHvxStreams(bus);
const fleet = new SimFleet({
  buses: [bus],
  clock: systemClock,
  capacity: HOST_CAPACITY,
  timing,
  heartbeatMs: 2000,
  provision: true,
  logger: log,
});
for (const h of hosts) await fleet.add(h);
// `cluster soak` judges a fleet, like a node, on its live JS memory: its anonymous RSS climbs with the allocator's peak of freed buffers.
const heapDir = process.env[HEAP_DIR_ENV];
if (heapDir !== undefined) startHeapReports(heapDir);

let dumps = 0;
process.on('SIGUSR2', () => {
  const vms: Record<string, Array<{ id: string; tenant: string; state: string }>> = {};
  for (const h of hosts) {
    const hv = fleet.get(h)?.hypervisor;
    if (hv !== undefined) vms[h] = hv.list().map((v) => ({ id: v.spec.id, tenant: v.spec.tenant, state: v.state }));
  }
  // To a file: the list can be longer than the output the parent keeps.
  writeFileSync(env('RAVEL_FLEET_DUMP'), JSON.stringify({ seq: ++dumps, vms }));
});
process.stdout.write(`fleet ready ${hosts.join(',')}\n`);
await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await fleet.stop();
await bus.close();
process.exit(0);
