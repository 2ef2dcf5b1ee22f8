/**
 * How large a value a key-value bucket takes. NATS refuses a message over the server's
 * `max_payload` (1 MiB unless configured) with its headers counted in, so a bucket takes a bit
 * less; the embedded bus takes what NATS's default takes, so a value that fits one fits the other.
 */
import { RavelError } from '../core/errors.ts';

/** Room kept for the headers a write carries (the expected revision, the KV operation). */
export const KV_HEADER_ROOM_BYTES = 1024;

/** NATS's default `max_payload`. */
export const NATS_DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export function maxValueBytesFor(maxPayload: number): number {
  return Math.max(0, maxPayload - KV_HEADER_ROOM_BYTES);
}

/** PAYLOAD_TOO_LARGE, before anything is written, for a value over the bucket's limit. */
export function checkKvValue(bucket: string, key: string, value: Uint8Array, maxValueBytes: number): void {
  if (value.byteLength <= maxValueBytes) return;
  throw new RavelError('PAYLOAD_TOO_LARGE', `kv ${bucket}/${key}: a value of ${value.byteLength} bytes is over the bucket's limit of ${maxValueBytes}`, {
    details: { valueBytes: value.byteLength, maxValueBytes },
  });
}
