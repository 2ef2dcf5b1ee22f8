/** A test gateway with uploads and disk images over a real LMDB block store in a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../core/log.ts';
import { openLmdbBlockStore } from '../../storage-engine/lmdb/lmdb-block-store.ts';
import { LocalImageService } from '../../storage-engine/image-service/local-image-service.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';
import { alice, bob } from '../test-support/fake-authenticator.ts';
import { diskImageEndpoint } from '../disk-images/disk-image-endpoint.ts';
import { createUploads, localImporter, type Uploads } from './uploads.ts';
import type { UploadOptions } from './upload-registry.ts';
import { ManualClock } from '../../core/clock.ts';

export interface UploadServer {
  readonly t: TestGateway;
  readonly uploads: Uploads;
  readonly clock: ManualClock;
  /** Headers of alice (org-1) and bob (org-2). */
  readonly alice: Record<string, string>;
  readonly bob: Record<string, string>;
  stop(): Promise<void>;
}

export async function startUploadServer(options: Partial<Omit<UploadOptions, 'clock' | 'log' | 'importer'>> = {}): Promise<UploadServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-uploads-'));
  const store = await openLmdbBlockStore({ path: join(dir, 'blocks'), maintenanceIntervalMs: 0 });
  const images = new LocalImageService({ store, catalogPath: join(dir, 'catalog') });
  // Upload expiry runs on a ManualClock of its own, which the tests move.
  const clock = new ManualClock();
  const u = createUploads({ clock, log: silentLogger, importer: localImporter(images, store) }, options);
  const t = await startTestGateway({}, { streams: [u.endpoint, diskImageEndpoint(images)] });
  return {
    t,
    uploads: u,
    clock,
    alice: { 'x-ephemeral-token-authorization': t.auth.token(alice) },
    bob: { 'x-ephemeral-token-authorization': t.auth.token(bob) },
    async stop() {
      u.close();
      await t.stop();
      await images.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
