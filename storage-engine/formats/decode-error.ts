/**
 * The errors a decoder raises. Each carries a stable `reason` in its details (clients and
 * tests match on it, never on the message) and the format being decoded where known.
 */
import { RavelError } from '../../core/errors.ts';

/** Malformed input: corrupt tables, bad checksums, truncation, sizes that disagree. */
export function decodeFailed(reason: string, message: string, format?: string): RavelError {
  return new RavelError('DECODE_FAILED', message, { details: withFormat({ reason }, format) });
}

/** Well-formed input that Ravel refuses: references outside the upload, unsupported features. */
export function unsupported(reason: string, message: string, format?: string): RavelError {
  return new RavelError('UNSUPPORTED_FORMAT', message, { details: withFormat({ reason }, format) });
}

/** A virtual size or a table beyond the configured limits. */
export function tooLarge(reason: string, message: string, format?: string): RavelError {
  return new RavelError('PAYLOAD_TOO_LARGE', message, { details: withFormat({ reason }, format) });
}

function withFormat(d: Record<string, unknown>, format: string | undefined): Record<string, unknown> {
  return format === undefined ? d : { ...d, format };
}
