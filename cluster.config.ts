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
};

export default config;
