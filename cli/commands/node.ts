/** `ravel node`: compiles the configuration, starts the roles it names, runs until a signal. */
import { hostname } from 'node:os';
import { compileConfig } from '../../config/load.ts';
import { createLogger } from '../../core/log.ts';
import fileConfig from '../../cluster.config.ts';

export async function runNode(_args: readonly string[]): Promise<number> {
  const config = compileConfig(fileConfig);
  const nodeId = config.nodeId ?? `${hostname()}-${process.pid}`;
  const log = createLogger({ node: nodeId }, config.logLevel);
  log.info({ mode: config.mode, roles: config.roles }, 'ravel node up');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('ravel node stopping');
  return 0;
}
