/**
 * Reads a request body out of uWS with the size limit enforced as the bytes arrive: a
 * declared Content-Length over the limit is refused before reading, and a streamed body is
 * refused at the chunk that passes it, not after buffering it all. Chunks are copied at
 * once because uWS reuses (neuters) their memory when the callback returns.
 */
import { RavelError } from '../../core/errors.ts';
import type { Exchange } from './exchange.ts';

export function tooLarge(limit: number): RavelError {
  return new RavelError('PAYLOAD_TOO_LARGE', `request body is larger than ${limit} bytes`, {
    details: { maxBodyBytes: limit },
  });
}

/** Must be called in the synchronous part of the uWS handler, before any await. */
export function readBody(
  ex: Exchange,
  limit: number,
  declaredLength: number | undefined,
): Promise<Uint8Array> {
  if (declaredLength !== undefined && declaredLength > limit)
    return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    ex.onAbort(() => {
      if (settled) return;
      settled = true;
      reject(new RavelError('CLOSED', 'client went away while sending the body'));
    });
    ex.res.onData((chunk, isLast) => {
      if (settled) return;
      total += chunk.byteLength;
      if (total > limit) {
        settled = true;
        reject(tooLarge(limit));
        return;
      }
      if (chunk.byteLength > 0) chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
      if (isLast) {
        settled = true;
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
      }
    });
  });
}

/** Content-Length as a number, or undefined when absent or not a plain decimal. */
export function declaredLength(header: string): number | undefined {
  if (header === '' || !/^\d{1,15}$/.test(header)) return undefined;
  return Number(header);
}
