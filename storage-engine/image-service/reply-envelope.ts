/** Every image-service reply: a value or a RavelError in its wire form, encoded with core/codec. */
import { decode, encode } from '../../core/codec.ts';
import { errorFromWire, errorToWire, RavelError, toRavelError, type WireError } from '../../core/errors.ts';

export type ReplyEnvelope = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: WireError };

export function encodeValue(value: unknown): Uint8Array {
  return encode({ ok: true, value } satisfies ReplyEnvelope);
}

export function encodeError(e: unknown): Uint8Array {
  return encode({ ok: false, error: errorToWire(toRavelError(e)) } satisfies ReplyEnvelope);
}

/** The value of a reply, or the error it carries thrown; DECODE_FAILED for anything else. */
export function openReply(bytes: Uint8Array): unknown {
  const env = decode(bytes);
  if (typeof env === 'object' && env !== null && 'ok' in env) {
    if (env.ok === true && 'value' in env) return env.value;
    if (env.ok === false && 'error' in env) throw errorFromWire(env.error);
  }
  throw new RavelError('DECODE_FAILED', 'malformed image-service reply');
}
