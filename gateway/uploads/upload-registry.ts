/**
 * The uploads in progress on this node, per tenant. Each upload starts its import at creation:
 * ingest pulls from the upload's ChunkPipe for as long as the upload lives, so PATCH requests
 * (and an interrupted one followed by a resumed one) feed one ingest. An upload nobody sends
 * to for `expiryMs` is expired on the clock: its ingest is stopped and its disk deleted.
 * Records live in this process: a restart of the node forgets its uploads (404 to the client,
 * which starts over).
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { RavelError, toRavelError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { UploadSource } from '../../storage-engine/ingest/chunk-source.ts';
import { ChunkPipe } from './chunk-pipe.ts';

export type UploadState = 'RECEIVING' | 'PARSING' | 'DONE' | 'FAILED';

/** Makes the image(s) of an upload; resolves with their ids (the library's integer ids on a node with one) once ingest has finished. */
export type UploadImporter = (tenant: string, source: UploadSource, name: string) => Promise<readonly (string | number)[]>;

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

  constructor(readonly options: UploadOptions) {}

  create(tenant: string, length: number, name: string, metadataHeader: string | undefined): Upload {
    const o = this.options;
    if (length > o.maxSize) {
      throw new RavelError('PAYLOAD_TOO_LARGE', `uploads are limited to ${o.maxSize} bytes`, { details: { maxSize: o.maxSize } });
    }
    const up = new Upload(randomUUID(), tenant, length, metadataHeader, new ChunkPipe(o.highWater), o.clock.now());
    this.uploads.set(up.id, up);
    this.touch(up);
    if (length === 0) {
      up.pipe.end();
      up.state = 'PARSING';
    }
    o.importer(tenant, up.pipe, name).then(
      (ids) => {
        up.state = 'DONE';
        up.diskImageIds = ids;
      },
      (e: unknown) => {
        up.error = toRavelError(e);
        up.state = 'FAILED';
        up.pipe.fail(up.error);
        if (up.error.httpStatus >= 500 && up.error.code !== 'CLOSED') o.log.warn({ err: e, upload: up.id }, 'upload import failed');
      },
    );
    return up;
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

  /** Every upload, for shutdown. */
  close(): void {
    for (const up of [...this.uploads.values()]) this.remove(up, new RavelError('CLOSED', 'the gateway is closing'));
  }

  private expire(up: Upload): void {
    if (up.busy) return this.touch(up);
    this.remove(up, new RavelError('NOT_FOUND', 'the upload expired'));
  }

  private remove(up: Upload, why: RavelError): void {
    if (up.timer !== undefined) this.options.clock.clearTimeout(up.timer);
    this.uploads.delete(up.id);
    if (up.state === 'RECEIVING') up.pipe.fail(why);
  }
}
