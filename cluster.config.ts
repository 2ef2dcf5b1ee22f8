/**
 * This node's configuration. Edit what differs from the defaults (config/schema.ts); any
 * value can also come from the environment (config/load.ts lists the variables). It is
 * validated once at start-up.
 */
import type { ConfigOverrides } from './config/schema.ts';

const config: ConfigOverrides = {
  mode: 'embedded',
  roles: ['gateway', 'actors', 'storage'],
  dataDir: './data',
  gateway: { host: '127.0.0.1', port: 8080, tls: 'off' },
  // Cluster mode: point these at your servers (docs/DEPLOY.md).
  nats: { servers: ['nats://127.0.0.1:4222'] },
  hazelcast: { members: ['127.0.0.1:5701'], clusterName: 'ravel' },
  // Where applications run. Prices are per CPU-hour and per GB-hour; each region rents hosts of
  // `hostSize` when placement needs room, at most `maxHosts`; `publicCidr` feeds elastic IPs.
  regions: [
    { name: 'us-east-1', pricePerCpuHour: 0.02, pricePerGbHour: 0.004, hostSize: { cpus: 32, memoryMb: 131072 }, maxHosts: 1000, publicCidr: '198.51.100.0/24' },
    { name: 'eu-west-1', pricePerCpuHour: 0.022, pricePerGbHour: 0.0045, hostSize: { cpus: 32, memoryMb: 131072 }, maxHosts: 1000, publicCidr: '203.0.113.0/24' },
  ],
  // A host silent for deadAfterMs is declared dead (its VMs repaired elsewhere); one empty for
  // releaseIdleAfterMs is given back.
  hosts: { heartbeatMs: 2000, deadAfterMs: 15_000, releaseIdleAfterMs: 600_000 },
};

export default config;
