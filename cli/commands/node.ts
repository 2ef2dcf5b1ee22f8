/**
 * `ravel node`: compiles the configuration, starts the roles it names, runs until SIGINT or
 * SIGTERM, then shuts down gracefully. In embedded mode it also makes the demo organization
 * on first start and prints how to log in. Operator calls (`ravel admin`) take the token in
 * RAVEL_OPERATOR_TOKEN; in embedded mode without it, one is made at first start and kept in
 * `<dataDir>/operator-token` (0600), where `ravel admin` finds it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RavelConfig } from '../../config/schema.ts';
import { isOperatorToken, newOperatorToken, type OperatorToken } from '../../gateway/auth/operator-tokens.ts';
import { OPERATOR_TOKEN_FILE } from './admin.ts';
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
  const operatorTokens = operatorTokensFor(config);
  const node = await startRavelNode(config, { nodeId, clock: systemClock, log, operatorTokens });
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
      ...(operatorTokens.length > 0 && process.env['RAVEL_OPERATOR_TOKEN'] === undefined
        ? [`  Operator token (ravel admin): ${join(config.dataDir, OPERATOR_TOKEN_FILE)}`]
        : []),
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

/** The operator token from the environment, else (embedded mode) the one kept in the data dir, made at first start. */
export function operatorTokensFor(config: Pick<RavelConfig, 'mode' | 'dataDir'>): OperatorToken[] {
  const fromEnv = process.env['RAVEL_OPERATOR_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return [{ name: 'env', token: fromEnv.trim() }];
  if (config.mode !== 'embedded') return [];
  const file = join(config.dataDir, OPERATOR_TOKEN_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (isOperatorToken(token)) return [{ name: 'embedded', token }];
  }
  mkdirSync(config.dataDir, { recursive: true });
  const token = newOperatorToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return [{ name: 'embedded', token }];
}
