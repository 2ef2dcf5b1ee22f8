/**
 * Cluster tests need real servers. Without them a test is skipped with the reason, unless
 * RAVEL_REQUIRE_CLUSTER=1 (set by .ci/run), where a missing server fails the run.
 */
import type { TestContext } from 'node:test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const clusterRequired = process.env['RAVEL_REQUIRE_CLUSTER'] === '1';

export function which(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const projectRoot = join(import.meta.dirname, '..', '..');

/** Where scripts/fetch-hazelcast.sh puts the member jar, or RAVEL_HAZELCAST_JAR. */
export function hazelcastJar(): string | undefined {
  const fromEnv = process.env['RAVEL_HAZELCAST_JAR'];
  if (fromEnv !== undefined && existsSync(fromEnv)) return fromEnv;
  const local = join(projectRoot, '.cache', 'hazelcast', 'hazelcast.jar');
  return existsSync(local) ? local : undefined;
}

/** Why cluster tests cannot run here, or undefined when they can. */
export function missingNats(): string | undefined {
  return which('nats-server') === undefined ? 'nats-server is not installed (apt-get install nats-server)' : undefined;
}

export function missingHazelcast(): string | undefined {
  if (which('java') === undefined) return 'java is not installed (Java 17 is needed for Hazelcast members)';
  if (hazelcastJar() === undefined) return 'the Hazelcast jar is missing (run scripts/fetch-hazelcast.sh)';
  return undefined;
}

/**
 * Call first in a cluster test: answers true when the test may go on. Otherwise it skips the
 * test with the reason, or fails it when cluster tests are required.
 */
export function needs(t: TestContext, ...reasons: Array<string | undefined>): boolean {
  const missing = reasons.filter((r): r is string => r !== undefined);
  if (missing.length === 0) return true;
  const why = missing.join('; ');
  if (clusterRequired) throw new Error(`cluster test cannot run: ${why}`);
  t.skip(`cluster test not run: ${why}`);
  return false;
}
