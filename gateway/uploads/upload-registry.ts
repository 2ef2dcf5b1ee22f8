/**
 * The uploads in progress on this node, per tenant. Each upload starts its import at creation:
 * ingest pulls from the upload's ChunkPipe for as long as the upload lives, so PATCH requests
 * (and an interrupted one followed by a resumed one) feed one ingest. An upload nobody sends
 * to for `expiryMs` is expired on the clock: its ingest is stopped and its disk deleted.
 * With a journal (upload-journal.ts) an upload outlives a restart of the node: its import is a
 * resumable ingest, closing the registry interrupts it (UNAVAILABLE) instead of dropping it, and
 * restore() takes each one up again at the ingest's last durable checkpoint, the offset HEAD then
 * reports. Without one a restart forgets the uploads (404 to the client, which starts over).
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { RavelError, toRavelError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { UploadSource } from '../../storage-engine/ingest/chunk-source.ts';
import type { ImportProgress } from '../../storage-engine/image-service/resumable-import.ts';
import { ChunkPipe } from './chunk-pipe.ts';
import type { UploadJournal, UploadRecord } from './upload-journal.ts';

export type UploadState = 'RECEIVING' | 'PARSING' | 'DONE' | 'FAILED';

/**
 * Makes the image(s) of an upload; resolves with their ids (the library's integer ids on a node
 * with one) once ingest has finished. Given `progress`, the import is resumable and reports to it.
 */
export type UploadImporter = (
  tenant: string,
  source: UploadSource,
  name: string,
  progress?: ImportProgress,
) => Promise<readonly (string | number)[]>;

export interface UploadOptions {
  readonly clock: Clock;
  readonly log: Logger;
  readonly importer: UploadImporter;
  /** Largest Upload-Length accepted. */
  readonly maxSize: number;
  /** An upload untouched this long is expired; a finished one's status is kept as long. */
  readonly expiryMs: number;
  /** Bytes queued between the socket and ingest before the socket is paused. */
  readonly highWater: number;
  /** Largest PATCH body with Upload-Checksum (held until its digest is checked). */
  readonly maxChecksummedBytes: number;
  /** Keeps uploads across a restart (see restore). */
  readonly journal?: UploadJournal;
  /**
   * Finished uploads (DONE or FAILED) whose status is kept, newest first; past it the oldest is
   * forgotten before its expiry (404, its disk image stays). Bounds the memory a busy node keeps
   * for a day's statuses: about 1.3 KB each.
   */
  readonly maxFinished?: number;
}

export class Upload {
  offset = 0;
  state: UploadState = 'RECEIVING';
  error: RavelError | undefined;
  diskImageIds: readonly (string | number)[] = [];
  /** A PATCH is being received; a second one at the same time is refused. */
  busy = false;
  expiresAt: number;
  timer: TimerHandle | undefined;
  /** Settles once its import has ended, however. */
  imported: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly tenant: string,
    readonly length: number,
    readonly metadataHeader: string | undefined,
    readonly pipe: ChunkPipe,
    now: number,
  ) {
    this.expiresAt = now;
  }

  status(): Record<string, unknown> {
    return {
      id: this.id,
      state: this.state,
      offset: this.offset,
      length: this.length,
      ...(this.error === undefined ? {} : { error: { code: this.error.code, message: this.error.message } }),
      ...(this.state === 'DONE' ? { diskImageIds: this.diskImageIds } : {}),
    };
  }
}

const gone = (): RavelError => new RavelError('NOT_FOUND', 'no such upload');

export class UploadRegistry {
  private readonly uploads = new Map<string, Upload>();
  /** Finished uploads in the order they finished (a Set keeps insertion order). */
  private readonly finished = new Set<Upload>();
  private closing = false;

  constructor(readonly options: UploadOptions) {}

  create(tenant: string, length: number, name: string, metadataHeader: string | undefined): Upload {
    const o = this.options;
    if (length > o.maxSize) {
      throw new RavelError('PAYLOAD_TOO_LARGE', `uploads are limited to ${o.maxSize} bytes`, { details: { maxSize: o.maxSize } });
    }
    const up = new Upload(randomUUID(), tenant, length, metadataHeader, new ChunkPipe(o.highWater), o.clock.now());
    const record: UploadRecord = { id: up.id, tenant, length, name, ...(metadataHeader === undefined ? {} : { metadataHeader }) };
    o.journal?.put(record);
    this.uploads.set(up.id, up);
    this.touch(up);
    if (length === 0) {
      up.pipe.end();
      up.state = 'PARSING';
    }
    this.start(up, record, () => undefined);
    return up;
  }

  /**
   * Takes up the journal's uploads after a restart: each import resumes from its ingest's last
   * checkpoint, which becomes the upload's offset before the upload is served. One whose ingest
   * cannot be resumed is dropped (404 to the client, which starts over).
   */
  async restore(): Promise<number> {
    const o = this.options;
    if (o.journal === undefined) return 0;
    const records = o.journal.all((file) => o.log.warn({ file }, 'malformed upload record skipped'));
    let restored = 0;
    await Promise.all(
      records.map(async (record) => {
        const up = new Upload(record.id, record.tenant, record.length, record.metadataHeader, new ChunkPipe(o.highWater), o.clock.now());
        const reading = new Promise<void>((resolve, reject) => {
          this.start(up, record, (from) => {
            up.offset = from;
            if (from === up.length) {
              up.pipe.end();
              up.state = 'PARSING';
            }
            resolve();
          });
          void up.imported.then(() => (up.state === 'FAILED' ? reject(up.error ?? gone()) : resolve()));
        });
        try {
          await reading;
        } catch (e) {
          o.log.warn({ err: e, upload: up.id }, 'upload not resumed after the restart');
          return;
        }
        this.uploads.set(up.id, up);
        this.touch(up);
        restored++;
      }),
    );
    return restored;
  }

  private start(up: Upload, record: UploadRecord, reading: (from: number) => void): void {
    const o = this.options;
    const journal = o.journal;
    let current = record;
    const progress: ImportProgress | undefined =
      journal === undefined
        ? undefined
        : {
            ...(record.ingest === undefined ? {} : { resume: { ingestId: record.ingest.id, disk: record.ingest.disk } }),
            reading,
            started: (id, disk) => {
              current = { ...current, ingest: { id, disk } };
              journal.put(current);
            },
            saved: () => undefined,
          };
    up.imported = o.importer(up.tenant, up.pipe, record.name, progress).then(
      (ids) => {
        up.state = 'DONE';
        // Already so, but for one restored that had finished before the restart.
        up.offset = up.length;
        up.diskImageIds = ids;
        journal?.drop(up.id);
        this.finish(up);
      },
      (e: unknown) => {
        up.error = toRavelError(e);
        up.state = 'FAILED';
        up.pipe.fail(up.error);
        // Interrupted by the node stopping: kept, to be restored.
        if (up.error.code === 'UNAVAILABLE' && this.closing) return;
        journal?.drop(up.id);
        this.finish(up);
        if (up.error.httpStatus >= 500 && up.error.code !== 'CLOSED') o.log.warn({ err: e, upload: up.id }, 'upload import failed');
      },
    );
  }

  /** The tenant's upload; another tenant's is NOT_FOUND, like a missing one. */
  get(tenant: string, id: string): Upload {
    const up = this.uploads.get(id);
    if (up === undefined || up.tenant !== tenant) throw gone();
    return up;
  }

  /** Pushes the expiry out (after each PATCH). */
  touch(up: Upload): void {
    const o = this.options;
    if (up.timer !== undefined) o.clock.clearTimeout(up.timer);
    up.expiresAt = o.clock.now() + o.expiryMs;
    up.timer = o.clock.setTimeout(() => this.expire(up), o.expiryMs);
  }

  /** tus termination: stops its ingest (which deletes the half-made disk) and forgets it. */
  terminate(tenant: string, id: string): void {
    const up = this.get(tenant, id);
    this.remove(up, new RavelError('CLOSED', 'the upload was terminated'));
  }

  /**
   * Every upload, for shutdown; resolves once their imports have stopped. With a journal they are
   * interrupted (kept in the store, to be restored), else stopped for good (their disks deleted).
   */
  async close(): Promise<void> {
    this.closing = true;
    const why =
      this.options.journal === undefined
        ? new RavelError('CLOSED', 'the gateway is closing')
        : new RavelError('UNAVAILABLE', 'the node is stopping; the upload resumes once it is back');
    const all = [...this.uploads.values()];
    // One with all its bytes in is left to finish: its client has had its last 204 and would not resend.
    for (const up of all) this.remove(up, why);
    await Promise.all(all.map((up) => up.imported));
  }

  /** Keeps a finished upload's status, forgetting the oldest one past `maxFinished`. */
  private finish(up: Upload): void {
    if (this.uploads.get(up.id) !== up) return;
    this.finished.add(up);
    const max = this.options.maxFinished ?? 10_000;
    for (const old of this.finished) {
      if (this.finished.size <= max) break;
      this.remove(old, gone());
    }
  }

  private expire(up: Upload): void {
    if (up.busy) return this.touch(up);
    this.remove(up, new RavelError('NOT_FOUND', 'the upload expired'));
  }

  private remove(up: Upload, why: RavelError): void {
    if (up.timer !== undefined) this.options.clock.clearTimeout(up.timer);
    this.uploads.delete(up.id);
    this.finished.delete(up);
    if (up.state === 'RECEIVING') up.pipe.fail(why);
  }
}
