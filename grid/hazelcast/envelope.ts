/**
 * What HazelcastGrid stores under a key: one Buffer holding a header and the msgpack bytes of
 * the value. Members compare these bytes in replaceIfSame and remove(key, value), which is
 * what makes every conditional write a compare-and-set on (version, ttl, value) together.
 *
 *   byte 0      format (1)
 *   bytes 1-8   version, float64 big-endian
 *   bytes 9-16  the TTL this write asked for in ms (0: none), so any client can restore it
 *   bytes 17-   the value, core/codec
 */
import { decode } from '../../core/codec.ts';
import { RavelError } from '../../core/errors.ts';

const format = 1;
const headerBytes = 17;

export interface Envelope {
  readonly version: number;
  readonly ttlMs: number;
  readonly value: Uint8Array;
}

export function seal(version: number, ttlMs: number | undefined, value: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(headerBytes + value.length);
  b.writeUInt8(format, 0);
  b.writeDoubleBE(version, 1);
  b.writeDoubleBE(ttlMs ?? 0, 9);
  b.set(value, headerBytes);
  return b;
}

export function open(stored: unknown): Envelope {
  if (!Buffer.isBuffer(stored) || stored.length < headerBytes || stored.readUInt8(0) !== format) {
    throw new RavelError('CORRUPT', 'a grid entry is not in the envelope format');
  }
  return {
    version: stored.readDoubleBE(1),
    ttlMs: stored.readDoubleBE(9),
    value: stored.subarray(headerBytes),
  };
}

export function openValue<V>(stored: unknown): { value: V; version: number } {
  const e = open(stored);
  return { value: decode(e.value) as V, version: e.version };
}
