/**
 * One tus PATCH: the offset must be the upload's, then the body streams into the upload's
 * ChunkPipe with backpressure, each chunk counted as it is handed over, so an interrupted
 * request leaves the offset at what ingest has (or will) read. With Upload-Checksum the body
 * is held (up to `maxChecksummedBytes`) until its digest is checked: a mismatch is 460 and
 * the body is dropped, the offset unchanged.
 */
import { RavelError } from '../../core/errors.ts';
import type { TusRequest } from './tus-actions.ts';
import type { Upload, UploadRegistry } from './upload-registry.ts';
import { integerHeader, OFFSET_TYPE, parseChecksum, tusError, type ChecksumCheck } from './tus-protocol.ts';
import type { PatchBody } from './patch-body.ts';

export interface PatchEnd {
  /** Whether the body was read to its end (else the connection is closed after the answer). */
  readonly bodyRead: boolean;
  readonly error?: RavelError;
}

export async function receivePatch(registry: UploadRegistry, up: Upload, req: TusRequest): Promise<PatchEnd> {
  const h = req.headers;
  const unread = !req.hasBody;
  const type = (h['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== OFFSET_TYPE) {
    return { bodyRead: unread, error: new RavelError('UNSUPPORTED_FORMAT', `Content-Type must be ${OFFSET_TYPE}`) };
  }
  const offset = integerHeader(h['upload-offset'], 'Upload-Offset');
  if (offset === undefined) return { bodyRead: unread, error: new RavelError('INVALID_ARGUMENT', 'Upload-Offset is required') };
  if (up.state === 'FAILED' && up.error !== undefined) return { bodyRead: unread, error: up.error };
  if (up.busy) return { bodyRead: unread, error: new RavelError('CONFLICT', 'another PATCH to this upload is in progress') };
  if (up.state !== 'RECEIVING' || offset !== up.offset) {
    const e = new RavelError('CONFLICT', `Upload-Offset ${offset} is not the upload's offset ${up.offset}`, { details: { offset: up.offset } });
    return { bodyRead: unread, error: e };
  }
  // A declared length that overshoots is refused before a byte is stored (a body without one is
  // still checked chunk by chunk below).
  const declared = integerHeader(h['content-length'], 'Content-Length');
  if (declared !== undefined && offset + declared > up.length) {
    return { bodyRead: unread, error: new RavelError('INVALID_ARGUMENT', `the body goes past Upload-Length ${up.length}`) };
  }
  const checksum = parseChecksum(h['upload-checksum']);
  if (req.body === undefined) return { bodyRead: true };
  up.busy = true;
  try {
    return await receive(registry, up, req.body, checksum);
  } finally {
    up.busy = false;
    up.pipe.onDrain(undefined);
    registry.touch(up);
  }
}

async function receive(registry: UploadRegistry, up: Upload, body: PatchBody, checksum: ChecksumCheck | undefined): Promise<PatchEnd> {
  const held: Uint8Array[] = [];
  let heldBytes = 0;
  const max = registry.options.maxChecksummedBytes;
  const past = (n: number): void => {
    if (up.offset + heldBytes + n > up.length) throw new RavelError('INVALID_ARGUMENT', `the body goes past Upload-Length ${up.length}`);
  };
  if (checksum === undefined) {
    up.pipe.onDrain(() => body.resume());
    body.attach((chunk) => {
      past(chunk.length);
      up.offset += chunk.length;
      return up.pipe.push(chunk);
    });
  } else {
    body.attach((chunk) => {
      past(chunk.length);
      heldBytes += chunk.length;
      if (heldBytes > max) throw new RavelError('PAYLOAD_TOO_LARGE', `a PATCH with Upload-Checksum is limited to ${max} bytes`);
      checksum.hash.update(chunk);
      held.push(chunk);
      return true;
    });
  }
  const end = await body.done;
  if (end.kind === 'aborted') return { bodyRead: false };
  if (end.kind === 'failed') return { bodyRead: false, error: end.error };
  if (up.state === 'FAILED' && up.error !== undefined) return { bodyRead: true, error: up.error };
  if (checksum !== undefined) {
    if (checksum.hash.digest('base64') !== checksum.expected) {
      return { bodyRead: true, error: tusError(460, 'Upload-Checksum does not match the body; it was not stored') };
    }
    for (const c of held) up.pipe.push(c);
    up.offset += heldBytes;
  }
  if (up.offset === up.length && up.state === 'RECEIVING') {
    up.pipe.end();
    up.state = 'PARSING';
  }
  return { bodyRead: true };
}
