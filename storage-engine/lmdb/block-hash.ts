/**
 * Block keys: HMAC-SHA256 of the block under the tenant's secret. Keyed per tenant so that
 * the same bytes of two tenants get unrelated keys: no shared block, no way to probe for
 * another tenant's data by writing it and watching dedup.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { RavelError } from '../../core/errors.ts';
import { KEY_BYTES } from './tables.ts';

export function blockKey(secret: Uint8Array, block: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(block).digest();
}

/** Throws CORRUPT unless the block's bytes hash to its key. */
export function verifyBlock(secret: Uint8Array, key: Uint8Array, block: Uint8Array | undefined, where: string): Buffer {
  if (block === undefined) {
    throw new RavelError('CORRUPT', `block missing for ${where}`, { details: { where } });
  }
  const actual = blockKey(secret, block);
  if (key.length !== KEY_BYTES || !timingSafeEqual(actual, key)) {
    throw new RavelError('CORRUPT', `block fails its hash check for ${where}`, { details: { where } });
  }
  return Buffer.from(block.buffer, block.byteOffset, block.byteLength);
}

const zeroPages = new Map<number, Buffer>();

/** A shared all-zero buffer of the given size; never write into it. */
export function zeros(size: number): Buffer {
  let z = zeroPages.get(size);
  if (z === undefined) {
    z = Buffer.alloc(size);
    zeroPages.set(size, z);
  }
  return z;
}

export function isAllZero(block: Uint8Array): boolean {
  const b = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  return b.equals(zeros(b.length));
}
