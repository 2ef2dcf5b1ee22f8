/**
 * One pass over raw JSON bytes, before parsing, that finds what JSON.parse cannot tell us:
 * how deep the nesting goes (JSON.parse would happily build a million-deep array) and
 * whether any integer literal is long enough that a double might not hold it exactly.
 */

/** Integer literals with at least this many digits may exceed 2^53 (9007199254740992 has 16). */
export const LONG_INTEGER_DIGITS = 16;

export interface JsonScan {
  /** Deepest nesting of arrays and objects; 0 for a scalar. */
  readonly depth: number;
  /** True when some number literal outside strings has 16 or more digits in a row. */
  readonly hasLongNumber: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Scans `bytes`; stops early (returning depth = maxDepth + 1) once nesting passes maxDepth,
 * so a hostile body costs no more than the bound. Malformed JSON is left to the parser.
 */
export function scanJson(bytes: Uint8Array, maxDepth: number): JsonScan {
  let depth = 0;
  let deepest = 0;
  let digits = 0;
  let hasLongNumber = false;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b >= ZERO && b <= NINE) {
      if (++digits >= LONG_INTEGER_DIGITS) hasLongNumber = true;
      continue;
    }
    digits = 0;
    if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > maxDepth) return { depth: deepest, hasLongNumber };
      }
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
  return { depth: deepest, hasLongNumber };
}
