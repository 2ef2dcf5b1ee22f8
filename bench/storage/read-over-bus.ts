/**
 * Block reads over the Bus from another process: a nats-server from the test harness, the
 * image service in a child process (image-server-child.ts) on the store the caller closed,
 * and a client here reading every block of one version.
 */
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NatsBus } from '../../bus/nats/nats-bus.ts';
import { isRavelError } from '../../core/errors.ts';
import { startNats } from '../../test/harness/nats.ts';
import { startChild } from '../../test/harness/child-process.ts';
import { ImageServiceClient } from '../../storage-engine/image-service/image-client.ts';

export interface BusRead {
  readonly logicalMBps: number;
  readonly carriedMBps: number;
}

export async function readOverBus(storeDir: string, tenant: string, version: string, bytes: number): Promise<BusRead> {
  const nats = await startNats();
  const url = nats.urls[0] ?? '';
  const prefix = `images.bench${randomBytes(3).toString('hex')}`;
  const child = startChild('image service', process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'image-server-child.ts'), storeDir, url, prefix]);
  const bus = await NatsBus.connect({ servers: [url], replicas: 1 });
  try {
    const client = new ImageServiceClient(bus, { prefix, readWindow: 4 });
    for (let tries = 0; ; tries++) {
      try {
        await client.info();
        break;
      } catch (e) {
        if (!isRavelError(e, 'NO_RESPONDERS') || tries > 300) throw new Error(`image service did not start: ${child.output()}`, { cause: e });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const { blockSize } = await client.info();
    const blocks = Math.ceil(bytes / blockSize);
    let carried = 0;
    const start = process.hrtime.bigint();
    for await (const b of client.readBlocks(tenant, version, [{ first: 0, count: blocks }])) carried += b.data?.length ?? 0;
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    return { logicalMBps: bytes / 1e6 / s, carriedMBps: carried / 1e6 / s };
  } finally {
    await bus.close();
    await child.stop();
    await nats.stop();
  }
}
