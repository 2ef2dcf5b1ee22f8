import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ManualClock, systemClock } from '../../core/clock.ts';
import type { Bus } from '../../bus/bus.ts';
import { EmbeddedBus } from '../../bus/embedded/embedded-bus.ts';
import { NatsBus } from '../../bus/nats/nats-bus.ts';
import { startNats, type NatsServers } from '../../test/harness/nats.ts';
import { missingNats, needs } from '../../test/harness/requirements.ts';
import { openLmdbBlockStore } from '../lmdb/lmdb-block-store.ts';
import { ImageServer } from './image-server.ts';
import { ImageServiceClient } from './image-client.ts';
import { imageServiceConformance, type ImageServiceFixture } from './image-service.conformance.ts';
import { LocalImageService } from './local-image-service.ts';
import { openReply } from './reply-envelope.ts';
import { storeOps, storeSubject, writerSubject, type StoreOp, type WriterOp } from './subjects.ts';

const leaseMs = 30_000;

interface Local {
  service: LocalImageService;
  clock: ManualClock;
  maintain: () => Promise<void>;
  close(): Promise<void>;
}

async function openLocal(): Promise<Local> {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-images-'));
  const clock = new ManualClock();
  const store = await openLmdbBlockStore({ path: join(dir, 'blocks'), clock, maintenanceIntervalMs: 0 });
  const service = new LocalImageService({ store, catalogPath: join(dir, 'catalog'), clock, writerLeaseMs: leaseMs });
  return {
    service,
    clock,
    maintain: async () => void (await store.maintain()),
    async close() {
      await service.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The service behind an ImageServer on `serverBus`, a client and an agent on their own buses. */
async function overBus(serverBus: Bus, clientBus: Bus, agentBus: Bus, closeBuses: () => Promise<void>): Promise<ImageServiceFixture> {
  const local = await openLocal();
  const prefix = `images.t${randomBytes(4).toString('hex')}`;
  const server = await new ImageServer(serverBus, local.service, { prefix }).start();
  const isStoreOp = (op: string): op is StoreOp => (storeOps as readonly string[]).includes(op);
  return {
    service: new ImageServiceClient(clientBus, { prefix }),
    agent: new ImageServiceClient(agentBus, { prefix }),
    clock: local.clock,
    leaseMs,
    maintain: local.maintain,
    async sendRaw(op: StoreOp | WriterOp, bytes: Uint8Array) {
      const subject = isStoreOp(op) ? storeSubject(prefix, op) : writerSubject(prefix, server.serverId, op);
      return openReply((await clientBus.request(subject, bytes, { timeoutMs: 5000 })).data);
    },
    async teardown() {
      await server.close();
      await local.close();
      await closeBuses();
    },
  };
}

imageServiceConformance('in-process', async () => {
  const local = await openLocal();
  return { service: local.service, agent: local.service, clock: local.clock, leaseMs, maintain: local.maintain, teardown: () => local.close() };
});

imageServiceConformance('embedded bus', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-images-bus-'));
  const bus = new EmbeddedBus({ dir, clock: systemClock });
  return overBus(bus, bus, bus, async () => {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

let nats: Promise<NatsServers> | undefined;
after(async () => {
  if (nats !== undefined) await (await nats).stop();
});

imageServiceConformance('NATS', async (t) => {
  if (!needs(t, missingNats())) return undefined;
  nats ??= startNats();
  const { urls } = await nats;
  const connect = (): Promise<NatsBus> => NatsBus.connect({ servers: [...urls], replicas: 1, callTimeoutMs: 3000 });
  const [serverBus, clientBus, agentBus] = await Promise.all([connect(), connect(), connect()]);
  return overBus(serverBus, clientBus, agentBus, async () => {
    await Promise.all([serverBus.close(), clientBus.close(), agentBus.close()]);
  });
});
