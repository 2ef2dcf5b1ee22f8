/** Picks the Grid implementation for the configured mode: in-process, or Hazelcast members. */
import { match } from 'ts-pattern';
import type { Clock } from '../core/clock.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import type { RavelConfig } from '../config/schema.ts';
import type { Grid } from './grid.ts';
import { EmbeddedGrid } from './embedded/embedded-grid.ts';
import { HazelcastGrid } from './hazelcast/hazelcast-grid.ts';

export interface CreateGridOptions {
  log?: Logger;
  /** Cluster mode: how long to wait for the members before UNAVAILABLE (default 10 s). */
  connectTimeoutMs?: number;
}

export async function createGrid(config: RavelConfig, clock: Clock, options: CreateGridOptions = {}): Promise<Grid> {
  const log = options.log ?? silentLogger;
  return match(config.mode)
    .with('embedded', async (): Promise<Grid> => new EmbeddedGrid(clock, { log }))
    .with('cluster', async (): Promise<Grid> =>
      HazelcastGrid.connect({
        members: config.hazelcast.members,
        clusterName: config.hazelcast.clusterName,
        log,
        ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      }),
    )
    .exhaustive();
}
