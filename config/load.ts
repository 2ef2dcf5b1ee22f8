/**
 * Compiles the configuration once at start-up: defaults, then cluster.config.ts, then the
 * environment, validated as a whole. A bad value stops start-up with its path and what was
 * expected.
 */
import { Value } from '@sinclair/typebox/value';
import { RavelError } from '../core/errors.ts';
import { compileRegions } from '../cloud/regions.ts';
import { ConfigSchema, defaults, type ConfigOverrides, type RavelConfig } from './schema.ts';

type EnvParser = (raw: string) => unknown;
const text: EnvParser = (s) => s;
const list: EnvParser = (s) => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
const int: EnvParser = (s) => (/^-?\d+$/.test(s.trim()) ? Number(s) : s);

/** Environment variables and the path each overrides. */
export const envOverrides: ReadonlyArray<readonly [string, readonly string[], EnvParser]> = [
  ['RAVEL_MODE', ['mode'], text],
  ['RAVEL_NODE_ID', ['nodeId'], text],
  ['RAVEL_ROLES', ['roles'], list],
  ['RAVEL_DATA_DIR', ['dataDir'], text],
  ['RAVEL_LOG_LEVEL', ['logLevel'], text],
  ['RAVEL_NATS_SERVERS', ['nats', 'servers'], list],
  ['RAVEL_NATS_USER', ['nats', 'user'], text],
  ['RAVEL_NATS_PASS', ['nats', 'pass'], text],
  ['RAVEL_NATS_TOKEN', ['nats', 'token'], text],
  ['RAVEL_NATS_CREDS', ['nats', 'credsFile'], text],
  ['RAVEL_NATS_REPLICAS', ['nats', 'replicas'], int],
  ['RAVEL_HAZELCAST_MEMBERS', ['hazelcast', 'members'], list],
  ['RAVEL_HAZELCAST_CLUSTER', ['hazelcast', 'clusterName'], text],
  ['RAVEL_GATEWAY_HOST', ['gateway', 'host'], text],
  ['RAVEL_GATEWAY_PORT', ['gateway', 'port'], int],
  ['RAVEL_ACTOR_SHARDS', ['actors', 'shards'], int],
  ['RAVEL_ASK_TIMEOUT_MS', ['actors', 'askTimeoutMs'], int],
  ['RAVEL_LEASE_MS', ['actors', 'leaseMs'], int],
  ['RAVEL_EVENT_RETENTION_DAYS', ['events', 'retentionDays'], int],
];

export function compileConfig(
  file: ConfigOverrides = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): RavelConfig {
  const base: Record<string, unknown> = structuredClone(defaults);
  const merged = mergeDeep(base, file);
  for (const [name, path, parse] of envOverrides) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(merged, path, parse(raw));
  }
  const firstError = Value.Errors(ConfigSchema, merged).First();
  if (firstError !== undefined) {
    const path = firstError.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    throw new RavelError(
      'CONFIG_INVALID',
      `configuration ${path}: ${firstError.message}, got ${JSON.stringify(firstError.value)}`,
      { details: { path } },
    );
  }
  const config = merged as unknown as RavelConfig;
  // What the schema cannot say: region names are unique, and a host is declared dead only after
  // it had the chance to send a few heartbeats.
  compileRegions(config.regions);
  if (config.hosts.deadAfterMs < 2 * config.hosts.heartbeatMs) {
    throw new RavelError('CONFIG_INVALID', `configuration hosts.deadAfterMs: at least twice hosts.heartbeatMs (${config.hosts.heartbeatMs}), got ${config.hosts.deadAfterMs}`, { details: { path: 'hosts.deadAfterMs' } });
  }
  return Object.freeze(config);
}

function mergeDeep(target: Record<string, unknown>, source: unknown): Record<string, unknown> {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw new RavelError('CONFIG_INVALID', 'configuration: expected an object');
  }
  for (const [k, v] of Object.entries(source)) {
    const t = target[k];
    if (isPlainObject(v) && isPlainObject(t)) mergeDeep(t, v);
    else if (v !== undefined) target[k] = v;
  }
  return target;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = obj;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isPlainObject(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}
