/**
 * One error hierarchy for all of Ravel. Every error carries a stable code (never match on
 * messages), an optional cause, and optional details that are safe to show a client.
 * The table below is the one mapping from code to HTTP status; the gateway and the wire
 * codec both read it.
 */
export const errorCodes = {
  // input
  INVALID_ARGUMENT: 400,
  DECODE_FAILED: 400,
  // an upload in a format, or using a feature of one, that Ravel refuses (backing files, zstd, ...)
  UNSUPPORTED_FORMAT: 415,
  CONFIG_INVALID: 500,
  SUBJECT_INVALID: 400,
  // identity and access
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  // state
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  ILLEGAL_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  // runtime
  MAILBOX_FULL: 503,
  UNAVAILABLE: 503,
  NO_RESPONDERS: 503,
  TIMEOUT: 504,
  FENCED: 409,
  CLOSED: 503,
  CORRUPT: 500,
  INTERNAL: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorCodes;

export interface RavelErrorOptions {
  cause?: unknown;
  /** Facts about the failure that are safe to send to a client. */
  details?: Readonly<Record<string, unknown>>;
}

export class RavelError extends Error {
  override readonly name: string = 'RavelError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: RavelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  get httpStatus(): number {
    return errorCodes[this.code];
  }
}

export function isRavelError(e: unknown, code?: ErrorCode): e is RavelError {
  return e instanceof RavelError && (code === undefined || e.code === code);
}

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && Object.hasOwn(errorCodes, s);
}

/** Wraps anything thrown into a RavelError, keeping the original as the cause. */
export function toRavelError(e: unknown, fallback: ErrorCode = 'INTERNAL'): RavelError {
  if (e instanceof RavelError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new RavelError(fallback, message, { cause: e });
}

/** The wire form of an error, as sent between processes and to REST clients. */
export interface WireError {
  code: ErrorCode;
  message: string;
  details?: Readonly<Record<string, unknown>>;
}

export function errorToWire(e: RavelError): WireError {
  return e.details === undefined
    ? { code: e.code, message: e.message }
    : { code: e.code, message: e.message, details: e.details };
}

export function errorFromWire(w: unknown): RavelError {
  if (typeof w === 'object' && w !== null) {
    const { code, message, details } = w as Record<string, unknown>;
    if (isErrorCode(code) && typeof message === 'string') {
      const d =
        typeof details === 'object' && details !== null
          ? (details as Record<string, unknown>)
          : undefined;
      return new RavelError(code, message, d === undefined ? {} : { details: d });
    }
  }
  return new RavelError('DECODE_FAILED', 'malformed error on the wire');
}
