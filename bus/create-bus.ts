/** Picks the Bus implementation for the configured mode. */
import { join } from 'node:path';
import { match } from 'ts-pattern';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { RavelConfig } from '../config/schema.ts';
import type { Bus } from './bus.ts';
import { EmbeddedBus } from './embedded/embedded-bus.ts';
import { NatsBus } from './nats/nats-bus.ts';

/** Embedded: LMDB under `<dataDir>/bus`. Cluster: NATS at `config.nats`, JetStream replicas from it. */
export function createBus(config: RavelConfig, clock: Clock, logger?: Logger): Promise<Bus> {
  const log = logger === undefined ? {} : { logger };
  return match(config.mode)
    .with('embedded', async (): Promise<Bus> => new EmbeddedBus({ dir: join(config.dataDir, 'bus'), clock, ...log }))
    .with('cluster', async (): Promise<Bus> => {
      const { servers, user, pass, token, credsFile, tls, replicas } = config.nats;
      return NatsBus.connect({
        servers: [...servers],
        replicas,
        ...(config.nodeId === undefined ? {} : { name: config.nodeId }),
        ...(user === undefined ? {} : { user }),
        ...(pass === undefined ? {} : { pass }),
        ...(token === undefined ? {} : { token }),
        ...(credsFile === undefined ? {} : { credsFile }),
        ...(tls === undefined ? {} : { tls }),
        ...log,
      });
    })
    .exhaustive();
}
