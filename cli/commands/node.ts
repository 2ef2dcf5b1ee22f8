/**
 * `ravel node`: compiles the configuration, starts the roles it names, runs until SIGINT or
 * SIGTERM, then shuts down gracefully. In embedded mode it also makes the demo organization
 * on first start and prints how to log in.
 */
import { hostname } from 'node:os';
import { compileConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { createLogger } from '../../core/log.ts';
import { startRavelNode } from '../../service/ravel-node.ts';
import { ensureDemoOrganization } from '../../service/demo-organization.ts';
import fileConfig from '../../cluster.config.ts';

export async function runNode(_args: readonly string[]): Promise<number> {
  const config = compileConfig(fileConfig);
  const nodeId = config.nodeId ?? `${hostname()}-${process.pid}`;
  const log = createLogger({ node: nodeId }, config.logLevel);
  const node = await startRavelNode(config, { nodeId, clock: systemClock, log });
  log.info({ mode: config.mode, roles: config.roles, url: node.gateway?.url }, 'ravel node up');
  if (config.mode === 'embedded' && node.gateway !== undefined) {
    const demo = await ensureDemoOrganization(node.control, process.env['RAVEL_ADMIN_PASSWORD']);
    const lines = [
      '',
      `  Ravel is running (embedded mode): ${node.gateway.url}/`,
      `  API: ${node.gateway.url}/api/v1   OpenAPI: ${node.gateway.url}/api/v1/openapi.json`,
      demo.created
        ? `  Log in as ${demo.email} with password ${demo.password}  (shown once: keep it)`
        : `  Log in as ${demo.email} (the demo organization exists from an earlier run)`,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('ravel node stopping');
  await node.close();
  return 0;
}
