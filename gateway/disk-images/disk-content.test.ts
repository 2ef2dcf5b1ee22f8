import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { openLmdbBlockStore } from '../../storage-engine/lmdb/lmdb-block-store.ts';
import type { BlockStore } from '../../storage-engine/block-store.ts';
import { LocalImageService } from '../../storage-engine/image-service/local-image-service.ts';
import { importImage } from '../../storage-engine/image-service/image-import.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';
import { alice } from '../test-support/fake-authenticator.ts';
import { openSocket } from '../test-support/raw-http.ts';
import { diskImageEndpoint, type DiskReader } from './disk-image-endpoint.ts';

const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('disk content: backpressure', () => {
  let dir: string;
  let store: BlockStore;
  let images: LocalImageService;
  let t: TestGateway;
  let blocksRead = 0;
  let token: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ravel-content-'));
    store = await openLmdbBlockStore({ path: join(dir, 'blocks'), maintenanceIntervalMs: 0 });
    images = new LocalImageService({ store, catalogPath: join(dir, 'catalog') });
    const counting: DiskReader = {
      get: (tenant, id) => images.get(tenant, id),
      info: () => images.info(),
      readBlocks: async function* (tenant, version, ranges) {
        for await (const b of images.readBlocks(tenant, version, ranges)) {
          blocksRead++;
          yield b;
        }
      },
    };
    t = await startTestGateway({}, { streams: [diskImageEndpoint(counting)] });
    token = t.auth.token(alice);
  });
  after(async () => {
    await t.stop();
    await images.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads blocks only as fast as a slow client takes them, and stops when it leaves', async () => {
    const disk = randomBytes(64 * MiB);
    async function* once(): AsyncGenerator<Uint8Array> {
      yield disk;
    }
    const img = await importImage(images, store, alice.tenantId, once(), { name: 'big' });
    const total = disk.length / store.blockSize;
    const sock: Socket = await openSocket(t.gw.port);
    sock.pause();
    sock.write(`GET /api/v1/diskImages/${img.id}/content HTTP/1.1\r\nHost: x\r\nX-Ephemeral-Token-Authorization: ${token}\r\n\r\n`);
    await sleep(500);
    const whilePaused = blocksRead;
    assert.ok(whilePaused > 0 && whilePaused < total / 2, `${whilePaused} of ${total} blocks read while the client read nothing`);
    sock.destroy();
    await sleep(200);
    const afterLeaving = blocksRead;
    await sleep(200);
    assert.equal(blocksRead, afterLeaving, 'no more blocks read once the client left');
    const r = await fetch(`${t.api}/diskImages/${img.id}/content`, { headers: { 'x-ephemeral-token-authorization': token, Range: 'bytes=1000-1999' } });
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(disk.subarray(1000, 2000)), 'the gateway still serves');
  });
});
