/**
 * One node of the multi-process cluster tests: an ActorSystem with the counter kind on real
 * servers, configured by the environment (the test starts three of these and kills, freezes and
 * restarts them). Logs are JSON lines on stdout. It answers `ravel.test.NS.node.ID` with what
 * the test checks (owned shards, fenced activations, commits), and stops gracefully on SIGTERM.
 *
 *   RAVEL_NODE_ID  RAVEL_NS  RAVEL_NATS (comma-separated URLs)  RAVEL_REPLICAS
 *   RAVEL_HZ_MEMBERS (comma-separated host:port)  RAVEL_HZ_CLUSTER  RAVEL_SHARDS
 *   RAVEL_BATCH_COMMITS=0 turns off group commit across actors (for the benchmark's comparison)
 */
import { systemClock } from '../../core/clock.ts';
import { encode } from '../../core/codec.ts';
import { createLogger } from '../../core/log.ts';
import { defaults } from '../../config/schema.ts';
import { NatsBus } from '../../bus/nats/nats-bus.ts';
import { HazelcastGrid } from '../../grid/hazelcast/hazelcast-grid.ts';
import { ActorSystem } from '../../actors/runtime/actor-system.ts';
import { counterKind } from '../../actors/runtime/testing/counter-kind.ts';
import { nodeControlSubject, type NodeReport } from './node-report.ts';

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set`);
  return v;
}

const nodeId = env('RAVEL_NODE_ID');
const namespace = env('RAVEL_NS');
const replicas = Number(env('RAVEL_REPLICAS'));
const log = createLogger({ node: nodeId }, process.env['RAVEL_LOG_LEVEL'] ?? 'info');
const grid = await HazelcastGrid.connect({ members: env('RAVEL_HZ_MEMBERS').split(','), clusterName: env('RAVEL_HZ_CLUSTER') });
const bus = await NatsBus.connect({ servers: env('RAVEL_NATS').split(','), replicas, name: nodeId });
const sys = new ActorSystem({
  nodeId,
  grid,
  bus,
  clock: systemClock,
  config: { ...defaults.actors, shards: Number(env('RAVEL_SHARDS')) },
  log,
  namespace,
  replicas,
  batchCommits: process.env['RAVEL_BATCH_COMMITS'] !== '0',
});
sys.register(counterKind());
await sys.start();

bus.subscribe(nodeControlSubject(namespace, nodeId), (m) => {
  const metrics = sys.metrics();
  const report: NodeReport = {
    nodeId,
    shards: sys.ownedShards(),
    fenced: metrics.fenced,
    commits: metrics.commits.count,
    committedTurns: metrics.committedTurns,
  };
  bus.respond(m, encode(report));
});
await bus.flush();
log.info({ shards: sys.ownedShards().length }, 'counter node ready');

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await sys.stop();
    await bus.close();
    await grid.close();
    process.exit(0);
  })();
});
