/**
 * The actor runtime beside its baselines, all measured in this run: embedded mode against a raw
 * embedded KV compare-and-set, and cluster mode (one and three node processes) against raw NATS
 * request/reply and a responder doing a raw Hazelcast set and JetStream KV put before answering.
 *   npm run bench -- actors [--quick]
 */
import { BenchReport, parseBenchArgs } from '../lib/report.ts';
import { benchCluster } from './cluster.ts';
import { benchEmbedded } from './embedded.ts';

const { quick } = parseBenchArgs(process.argv.slice(2));
const report = new BenchReport('actors', { quick, nats: 'one server, file storage, replicas 1', hazelcast: '2 members' });
const secs = quick ? 1 : 4;
console.log(`actors${quick ? ' (quick)' : ''}: embedded`);
await benchEmbedded(report, quick, secs);
console.log('actors: cluster mode');
await benchCluster(report, secs);
report.write();
