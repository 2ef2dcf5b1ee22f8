/**
 * Argument checks shared by every Grid implementation, so that each refuses the same inputs
 * with the same codes before anything is sent or written.
 */
import { encode } from '../core/codec.ts';
import { RavelError } from '../core/errors.ts';
import type { WriteOptions } from './grid.ts';

const namePattern = /^[A-Za-z0-9._-]{1,100}$/;

export const maxIdCount = 1_000_000;
/** Ids stay below 2^53 so that they are exact as JS numbers. */
export const idLimit = Number.MAX_SAFE_INTEGER;

/** Map and sequence names: letters, digits, `.`, `_`, `-`, at most 100 characters. */
export function checkName(what: 'map' | 'sequence', name: string): void {
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw new RavelError('INVALID_ARGUMENT', `invalid ${what} name`, { details: { [what]: String(name) } });
  }
}

export function checkKey(key: string): void {
  if (typeof key !== 'string') throw new RavelError('INVALID_ARGUMENT', 'grid keys are strings');
}

export function checkIdCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > maxIdCount) {
    throw new RavelError('INVALID_ARGUMENT', `id count must be an integer from 1 to ${maxIdCount}`, {
      details: { count: String(count) },
    });
  }
}

export function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new RavelError('INVALID_ARGUMENT', 'versions are integers from 1', { details: { version: String(version) } });
  }
}

/** The TTL of a write, or undefined for none; refuses anything but a positive integer. */
export function ttlOf(options: WriteOptions | undefined): number | undefined {
  const ttl = options?.ttlMs;
  if (ttl === undefined) return undefined;
  if (!Number.isSafeInteger(ttl) || ttl < 1) {
    throw new RavelError('INVALID_ARGUMENT', 'ttlMs must be a positive integer', { details: { ttlMs: String(ttl) } });
  }
  return ttl;
}

/** Encodes a value to store; `undefined` is refused because `get` could not tell it from absence. */
export function encodeValue(value: unknown): Uint8Array {
  if (value === undefined) throw new RavelError('INVALID_ARGUMENT', 'undefined cannot be stored in the grid');
  return encode(value);
}

/** The range after `next`, or UNAVAILABLE when it would reach 2^53. */
export function rangeFrom(next: number, count: number): { first: number; count: number; after: number } {
  // Compared as a difference: near 2^53 the sum itself would round.
  if (next > idLimit || count - 1 > idLimit - next) {
    throw new RavelError('UNAVAILABLE', 'id sequence exhausted (ids stay below 2^53)');
  }
  return { first: next, count, after: next + count };
}

export function closedError(): RavelError {
  return new RavelError('CLOSED', 'the grid is closed');
}
