/**
 * JSON for the API: ids inside designs go up to 2^63 (API.md), past what a double holds
 * exactly. Integer literals beyond 2^53 parse to bigint and bigint writes back as an exact
 * JSON integer. The common body has no such literal and takes plain JSON.parse/stringify.
 */
import { isUtf8 } from 'node:buffer';
import { parse as losslessParse, stringify as losslessStringify } from 'lossless-json';
import { RavelError } from '../../core/errors.ts';
import { scanJson } from './json-scan.ts';
import { ownedUtf8 } from '../../core/owned-bytes.ts';

export interface JsonLimits {
  /** Deepest nesting of arrays and objects accepted. */
  readonly maxDepth: number;
}

const INTEGER = /^-?\d+$/;

/** Integers that fit a double exactly stay numbers; larger ones become bigint; the rest are doubles. */
export function parseJsonNumber(literal: string): number | bigint {
  if (INTEGER.test(literal)) {
    const n = Number(literal);
    return Number.isSafeInteger(n) ? n : BigInt(literal);
  }
  return Number(literal);
}

/**
 * Parses a request body. Throws INVALID_ARGUMENT with a message a client can act on: the
 * body is not JSON, or nests deeper than the limit.
 */
export function parseJson(bytes: Uint8Array, limits: JsonLimits): unknown {
  const scan = scanJson(bytes, limits.maxDepth);
  if (scan.depth > limits.maxDepth) {
    throw new RavelError('INVALID_ARGUMENT', `JSON nests deeper than ${limits.maxDepth} levels`);
  }
  // Buffer's decoder would turn bad bytes into U+FFFD silently: a name the client never sent.
  if (!isUtf8(bytes)) throw new RavelError('INVALID_ARGUMENT', 'request body is not valid UTF-8');
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return scan.hasLongNumber ? losslessParse(text, null, parseJsonNumber) : JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new RavelError('INVALID_ARGUMENT', `request body is not valid JSON: ${why}`, {
      cause: e,
    });
  }
}

/** Writes JSON; bigint values come out as exact integer literals. */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    // JSON.stringify refuses bigint with a TypeError: only then pay for the lossless writer.
    if (!(e instanceof TypeError)) throw e;
    const out = losslessStringify(value);
    if (out === undefined)
      throw new RavelError('INTERNAL', 'reply is not serializable as JSON', { cause: e });
    return out;
  }
}

const encodedValues = new WeakMap<object, Buffer>();

/** Misses in a row after which encodings are not remembered for a while, and how long (encodings). */
const MISSES_BEFORE_REST = 256;
const REST = 4096;
let missesInARow = 0;
let resting = 0;

/**
 * stringifyJson for a value that is never changed in place (an actor's state, replaced whole on
 * every change): encoded once per object and the text reused while the object lives. An actor
 * read in process answers the same object until its state changes, so repeated reads of an
 * unchanged application cost a map lookup instead of an encoding. Over the bus every answer is
 * a new object, found never, and remembering each costs a WeakMap entry (an ephemeron, dearer to
 * insert and to collect than an encoding's worth of lookups): after a run of misses the texts are
 * not remembered for a while, then remembered again. The answer is the same either way.
 *
 * What is remembered is the UTF-8 bytes, which uWS sends as they are: a text is measured and
 * converted again on every send (~2% of an embedded REST read for a 1.2 kB application).
 */
export function encodeValue(value: object): string | Buffer {
  const known = encodedValues.get(value);
  if (known !== undefined) {
    missesInARow = 0;
    return known;
  }
  const text = stringifyJson(value);
  if (resting > 0) {
    resting--;
    return text;
  }
  const bytes = ownedUtf8(text);
  encodedValues.set(value, bytes);
  if (++missesInARow >= MISSES_BEFORE_REST) {
    missesInARow = 0;
    resting = REST;
  }
  return bytes;
}
