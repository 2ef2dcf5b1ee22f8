/**
 * `ravel hvx`: the HVX agent of one host. One NATS connection with the host's own credentials
 * (user/password or a creds file) over TLS, its inbox prefix, its durable consumer; the `sim`
 * driver (qemu is a later step). Runs until SIGTERM or SIGINT.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { match } from 'ts-pattern';
import { systemClock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import { createLogger } from '../../core/log.ts';
import { connectAgentBus } from '../../hvx/agent/agent-connection.ts';
import { HvxAgent } from '../../hvx/agent/hvx-agent.ts';
import { imageServiceImages } from '../../hvx/agent/image-store-images.ts';
import { LmdbLedger } from '../../hvx/agent/lmdb-ledger.ts';
import { SimHypervisor } from '../../hvx/drivers/sim/sim-hypervisor.ts';
import { SimScheduler } from '../../hvx/drivers/sim/sim-scheduler.ts';
import type { Hypervisor } from '../../hvx/hypervisor.ts';

const usage = `usage: ravel hvx --host <id> --nats <url>[,<url>...] [options]
  --user <name> --pass <password>   NATS user of this host (or --creds <file>)
  --ca <file> --cert <file> --key <file>   TLS
  --driver sim                        (the only driver yet)
  --data-dir <dir>                    keeps applied command ids across restarts
  --cpus <n> --memory-mb <n>          host capacity (default 16, 65536)
  --boot-ms --shutdown-ms --jitter-ms --seed   sim timing
  --heartbeat-ms <n>                  default 5000
`;

const int = (v: string | undefined, def: number, what: string): number => {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RavelError('INVALID_ARGUMENT', `--${what} must be a whole number, got ${v}`);
  return n;
};

export async function runHvx(args: readonly string[]): Promise<number> {
  const str = { type: 'string' } as const;
  const { values: o } = parseArgs({
    args: [...args],
    options: {
      host: str,
      nats: str,
      user: str,
      pass: str,
      creds: str,
      ca: str,
      cert: str,
      key: str,
      driver: str,
      'data-dir': str,
      cpus: str,
      'memory-mb': str,
      'boot-ms': str,
      'shutdown-ms': str,
      'jitter-ms': str,
      seed: str,
      'heartbeat-ms': str,
      help: { type: 'boolean' },
    },
  });
  if (o.help === true || o.host === undefined || o.nats === undefined) {
    process.stdout.write(usage);
    return o.help === true ? 0 : 2;
  }
  const host = o.host;
  const log = createLogger({ hvx: host });
  const clock = systemClock;
  const hypervisor: Hypervisor = match(o.driver ?? 'sim')
    .with(
      'sim',
      () =>
        new SimHypervisor(new SimScheduler(clock), {
          capacity: {
            cpus: int(o.cpus, 16, 'cpus'),
            memoryMb: int(o['memory-mb'], 65536, 'memory-mb'),
          },
          timing: {
            bootMs: int(o['boot-ms'], 3000, 'boot-ms'),
            shutdownMs: int(o['shutdown-ms'], 1500, 'shutdown-ms'),
            jitterMs: int(o['jitter-ms'], 500, 'jitter-ms'),
            seed: int(o.seed, 1, 'seed'),
          },
        }),
    )
    .otherwise((d) => {
      throw new RavelError('INVALID_ARGUMENT', `driver ${d} is not available (only sim)`);
    });
  const tls =
    o.ca === undefined && o.cert === undefined
      ? undefined
      : {
          ...(o.ca === undefined ? {} : { caFile: o.ca }),
          ...(o.cert === undefined ? {} : { certFile: o.cert }),
          ...(o.key === undefined ? {} : { keyFile: o.key }),
        };
  const bus = await connectAgentBus({
    host,
    servers: o.nats.split(','),
    logger: log,
    ...(o.user === undefined ? {} : { user: o.user }),
    ...(o.pass === undefined ? {} : { pass: o.pass }),
    ...(o.creds === undefined ? {} : { credsFile: o.creds }),
    ...(tls === undefined ? {} : { tls }),
  });
  const dataDir = o['data-dir'];
  const agent = new HvxAgent({
    host,
    bus,
    hypervisor,
    clock,
    logger: log,
    images: imageServiceImages(bus),
    heartbeatMs: int(o['heartbeat-ms'], 5000, 'heartbeat-ms'),
    ...(dataDir === undefined ? {} : { ledger: LmdbLedger.open(join(dataDir, `applied-${host}`)) }),
  });
  await agent.start();
  log.info({ driver: hypervisor.driver, capacity: hypervisor.capacity().total }, 'hvx agent up');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('hvx agent stopping');
  await agent.stop();
  await hypervisor.close();
  await bus.close();
  return 0;
}
