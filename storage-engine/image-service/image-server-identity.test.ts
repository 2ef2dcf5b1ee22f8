/**
 * One store per prefix: a server of another store refuses to start beside a running one (each
 * would answer for images only the other holds); servers of the same store share the prefix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, systemClock } from '../../core/clock.ts';
import { isRavelError } from '../../core/errors.ts';
import { EmbeddedBus } from '../../bus/embedded/embedded-bus.ts';
import { openLmdbBlockStore } from '../lmdb/lmdb-block-store.ts';
import { ImageServer } from './image-server.ts';
import { LocalImageService } from './local-image-service.ts';

test('a server of a second store on the same prefix refuses to start; one of the same store joins', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-store-id-'));
  const bus = new EmbeddedBus({ dir: join(dir, 'bus'), clock: systemClock });
  const clock = new ManualClock();
  const store = await openLmdbBlockStore({ path: join(dir, 'blocks'), clock, maintenanceIntervalMs: 0 });
  const service = new LocalImageService({ store, catalogPath: join(dir, 'catalog'), clock });
  const servers: ImageServer[] = [];
  try {
    servers.push(await new ImageServer(bus, service, { prefix: 'images', storeId: 'aaaaaaaaaaaaaaaa' }).start());
    await assert.rejects(new ImageServer(bus, service, { prefix: 'images', storeId: 'bbbbbbbbbbbbbbbb' }).start(), (e) => {
      assert.ok(isRavelError(e, 'CONFIG_INVALID'), String(e));
      assert.equal(e.details?.['other'], 'aaaaaaaaaaaaaaaa');
      return true;
    });
    servers.push(await new ImageServer(bus, service, { prefix: 'images', storeId: 'aaaaaaaaaaaaaaaa' }).start());
    servers.push(await new ImageServer(bus, service, { prefix: 'images-b', storeId: 'bbbbbbbbbbbbbbbb' }).start());
    assert.equal(servers.length, 3);
  } finally {
    for (const s of servers) await s.close();
    await service.close();
    await store.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
