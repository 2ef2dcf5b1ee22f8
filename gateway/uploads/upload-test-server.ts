/**
 * A test gateway with uploads and disk images over a real LMDB block store in a temp dir. With
 * `journal`, uploads are kept across restart(), which stops the gateway, image service and store
 * and opens them again on the same directory, like a node restarting.
 */
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
import type { UploadImporter, UploadOptions } from './upload-registry.ts';
import { fileUploadJournal } from './upload-journal.ts';
import { ManualClock } from '../../core/clock.ts';

export interface UploadServer {
  readonly t: TestGateway;
  readonly uploads: Uploads;
  readonly clock: ManualClock;
  /** Headers of alice (org-1) and bob (org-2). */
  readonly alice: Record<string, string>;
  readonly bob: Record<string, string>;
  /** Upload offsets of the checkpoints made durable, in order, over restarts (journal only). */
  readonly checkpoints: number[];
  /** Stops everything but the directory and starts again on it; answers the new server. */
  restart(): Promise<UploadServer>;
  stop(): Promise<void>;
}

export interface UploadServerOptions extends Partial<Omit<UploadOptions, 'clock' | 'log' | 'importer' | 'journal'>> {
  /** Keep uploads across restart(), checkpointing every this many upload bytes. */
  readonly journal?: { readonly checkpointEveryBytes: number };
}

export async function startUploadServer(options: UploadServerOptions = {}): Promise<UploadServer> {
  return open(mkdtempSync(join(tmpdir(), 'ravel-uploads-')), options, []);
}

async function open(dir: string, options: UploadServerOptions, checkpoints: number[]): Promise<UploadServer> {
  const { journal, ...uploadOptions } = options;
  const store = await openLmdbBlockStore({ path: join(dir, 'blocks'), maintenanceIntervalMs: 0 });
  const images = await LocalImageService.open({ store, catalogPath: join(dir, 'catalog') });
  // Upload expiry runs on a ManualClock of its own, which the tests move.
  const clock = new ManualClock();
  const local = localImporter(images, store);
  const importer: UploadImporter = (tenant, source, name, progress) =>
    local(
      tenant,
      source,
      name,
      progress === undefined || journal === undefined
        ? progress
        : {
            ...progress,
            checkpointEveryBytes: journal.checkpointEveryBytes,
            saved: (offset) => {
              checkpoints.push(offset);
              progress.saved(offset);
            },
          },
    );
  const u = createUploads(
    { clock, log: silentLogger, importer, ...(journal === undefined ? {} : { journal: fileUploadJournal(join(dir, 'uploads')) }) },
    uploadOptions,
  );
  await u.registry.restore();
  const t = await startTestGateway({}, { streams: [u.endpoint, diskImageEndpoint(images)] });
  const shut = async (): Promise<void> => {
    await u.close();
    await t.stop();
    await images.close();
    await store.close();
  };
  return {
    t,
    uploads: u,
    clock,
    checkpoints,
    alice: { 'x-ephemeral-token-authorization': t.auth.token(alice) },
    bob: { 'x-ephemeral-token-authorization': t.auth.token(bob) },
    async restart() {
      await shut();
      return open(dir, options, checkpoints);
    },
    async stop() {
      await shut();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
