/**
 * The one binary codec for values in the grid, on the bus and in the durable record.
 * msgpackr, set up so that integers beyond 2^53 (client-chosen ids up to 2^64-1) round-trip
 * exactly: they decode as bigint, and safe integers decode as number.
 */
import { Packr } from 'msgpackr';
import { RavelError } from './errors.ts';

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  // 'auto' is documented but missing from msgpackr's typings.
  int64AsType: 'auto' as 'bigint',
  // Never turn a bigint into a float silently: out of range is an error.
  largeBigIntToFloat: false,
  // Map headers sized to the key count: with a fixed 16-bit header, an object of more than
  // 65,535 keys (an organization's usage by application) could not be written at all.
  variableMapSize: true,
});

export function encode(value: unknown): Uint8Array {
  try {
    return packr.pack(value);
  } catch (e) {
    throw new RavelError('INVALID_ARGUMENT', `value cannot be encoded: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

export function decode(bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes);
  } catch (e) {
    throw new RavelError('DECODE_FAILED', `bytes do not decode: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Byte equality, for compare-and-set on encoded values. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
