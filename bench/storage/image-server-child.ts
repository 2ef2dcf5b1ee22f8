/**
 * The image service in a process of its own, for bench/storage's read over the Bus: opens the
 * store the parent has closed and serves it on NATS. Args: STORE_DIR NATS_URL PREFIX.
 * Answers until killed.
 */
import { join } from 'node:path';
import { NatsBus } from '../../bus/nats/nats-bus.ts';
import { openLmdbBlockStore } from '../../storage-engine/lmdb/lmdb-block-store.ts';
import { ImageServer } from '../../storage-engine/image-service/image-server.ts';
import { LocalImageService } from '../../storage-engine/image-service/local-image-service.ts';

const [dir, url, prefix] = process.argv.slice(2);
if (dir === undefined || url === undefined || prefix === undefined) {
  console.error('usage: image-server-child.ts STORE_DIR NATS_URL PREFIX');
  process.exit(2);
}
const store = await openLmdbBlockStore({ path: join(dir, 'blocks'), maintenanceIntervalMs: 0 });
const service = new LocalImageService({ store, catalogPath: join(dir, 'catalog') });
const bus = await NatsBus.connect({ servers: [url], replicas: 1 });
await new ImageServer(bus, service, { prefix }).start();
console.log('ready');
