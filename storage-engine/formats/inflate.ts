/** Bounded decompression of one grain or cluster: never more output than the caller allows. */
import { inflateRawSync, inflateSync } from 'node:zlib';
import { decodeFailed } from './decode-error.ts';

/** zlib-wrapped deflate (VMDK grains) or raw deflate (qcow2 clusters), at most `max` bytes out. */
export function inflateBounded(data: Uint8Array, max: number, raw: boolean, format: string, what: string): Uint8Array {
  try {
    const opts = { maxOutputLength: max, finishFlush: raw ? 2 : 0 };
    return raw ? inflateRawSync(data, opts) : inflateSync(data, opts);
  } catch (e) {
    throw decodeFailed('bad-compressed-data', `${format}: ${what} does not decompress (${e instanceof Error ? e.message : 'error'})`, format);
  }
}
