/**
 * What travels over the bus between a sender and a shard's owner, and the errors that tell a
 * sender to try again. Field names are one letter: these are encoded for every remote message.
 */
import { decode, encode } from '../../core/codec.ts';
import { RavelError, errorFromWire, errorToWire, isRavelError, type WireError } from '../../core/errors.ts';

/** A message to an actor. */
export interface WireRequest {
  /** kind */
  readonly k: string;
  /** id */
  readonly i: string;
  /** the message as the sender's kind version encodes it */
  readonly m: unknown;
  /** the sender's schema version of the kind */
  readonly v: number;
  /** 1: ask (answer after the turn); 0: tell (answer on acceptance) */
  readonly a: 0 | 1;
  /** ms left before the sender gives up (asks) */
  readonly t?: number;
  /** idempotency key */
  readonly x?: string;
  /** 1: the sender's word that the ask only reads (AskOptions.readOnly); older nodes ignore it */
  readonly r?: 1;
}

export type WireReply = { readonly o: 1; readonly r: unknown } | { readonly o: 0; readonly e: WireError };

export function encodeRequest(req: WireRequest): Uint8Array {
  return encode(req);
}

export function decodeRequest(bytes: Uint8Array): WireRequest {
  const raw = decode(bytes);
  if (typeof raw !== 'object' || raw === null) throw new RavelError('DECODE_FAILED', 'actor request is not an object');
  const r = raw as Record<string, unknown>;
  const { k, i, v, a, t, x } = r;
  if (typeof k !== 'string' || typeof i !== 'string' || typeof v !== 'number' || (a !== 0 && a !== 1)) {
    throw new RavelError('DECODE_FAILED', 'actor request lacks kind, id, version or mode');
  }
  if ((t !== undefined && typeof t !== 'number') || (x !== undefined && typeof x !== 'string')) {
    throw new RavelError('DECODE_FAILED', 'actor request has a bad deadline or idempotency key');
  }
  // Checked field by field above: the decoded object is the request, no copy (one per message).
  return r as unknown as WireRequest;
}

export function encodeReply(result: unknown): Uint8Array {
  return encode({ o: 1, r: result });
}

export function encodeErrorReply(error: RavelError): Uint8Array {
  return encode({ o: 0, e: errorToWire(error) });
}

/** The result, or the error the receiver sent, thrown as a RavelError. */
export function decodeReply(bytes: Uint8Array): unknown {
  const raw = decode(bytes) as Partial<Record<'o' | 'r' | 'e', unknown>> | null;
  if (raw?.o === 1) return raw.r;
  if (raw?.o === 0) throw errorFromWire(raw.e);
  throw new RavelError('DECODE_FAILED', 'malformed actor reply');
}

/**
 * A refusal that is safe to retry: the message was not applied (the node does not own the
 * shard, the shard is moving, or the activation was fenced before it committed). Senders retry
 * these until their deadline, re-resolving the owner each time.
 */
export function retryable(message: string, reason: string, details: Record<string, unknown> = {}): RavelError {
  return new RavelError('UNAVAILABLE', message, { details: { ...details, retryable: true, reason } });
}

export function isRetryable(e: unknown): boolean {
  if (isRavelError(e, 'NO_RESPONDERS')) return true;
  return isRavelError(e) && e.details?.['retryable'] === true;
}
