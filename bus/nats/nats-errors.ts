/** The one mapping from errors of the `nats` client and JetStream API to RavelError codes. */
import { ErrorCode as NatsCode, NatsError } from 'nats';
import { RavelError, type ErrorCode } from '../../core/errors.ts';

/** JetStream API error codes (nats-server's errors.json) that Ravel tells apart. */
export const JsErr = {
  streamNotFound: 10059,
  consumerNotFound: 10014,
  noMessageFound: 10037,
  wrongLastSequence: 10071,
  subjectsOverlap: 10065,
  streamNameInUse: 10058,
} as const;

export function jsErrCode(e: unknown): number | undefined {
  return e instanceof NatsError ? e.api_error?.err_code : undefined;
}

export interface ErrorContext {
  /** What was being done, for the message. */
  readonly what: string;
  /** Whether the connection is up: a timeout while it is down is UNAVAILABLE. */
  readonly connected: boolean;
  /** A JetStream publish answered by nobody means no stream captures the subject. */
  readonly noRespondersMeans?: ErrorCode;
}

export function fromNats(e: unknown, ctx: ErrorContext): RavelError {
  if (e instanceof RavelError) return e;
  if (!(e instanceof NatsError)) {
    return new RavelError('INTERNAL', `${ctx.what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const code = codeOf(e, ctx);
  return new RavelError(code, `${ctx.what}: ${e.api_error?.description ?? e.message}`, {
    cause: e,
    ...(e.api_error?.err_code === undefined ? {} : { details: { jsErrCode: e.api_error.err_code } }),
  });
}

function codeOf(e: NatsError, ctx: ErrorContext): ErrorCode {
  switch (e.api_error?.err_code) {
    case JsErr.streamNotFound:
    case JsErr.consumerNotFound:
    case JsErr.noMessageFound:
      return 'NOT_FOUND';
    case JsErr.wrongLastSequence:
    case JsErr.subjectsOverlap:
    case JsErr.streamNameInUse:
      return 'CONFLICT';
  }
  if (e.api_error !== undefined) {
    if (e.api_error.code === 404) return 'NOT_FOUND';
    if (e.api_error.code === 400) return 'INVALID_ARGUMENT';
    if (e.api_error.code === 503) return 'UNAVAILABLE';
  }
  switch (e.code as NatsCode) {
    case NatsCode.NoResponders:
      return ctx.noRespondersMeans ?? 'NO_RESPONDERS';
    case NatsCode.Timeout:
    case NatsCode.JetStream408RequestTimeout:
      return ctx.connected ? 'TIMEOUT' : 'UNAVAILABLE';
    case NatsCode.ConnectionClosed:
    case NatsCode.ConnectionDraining:
      return 'CLOSED';
    case NatsCode.Disconnect:
    case NatsCode.ConnectionRefused:
    case NatsCode.ConnectionTimeout:
      return 'UNAVAILABLE';
    case NatsCode.BadSubject:
      return 'SUBJECT_INVALID';
    case NatsCode.MaxPayloadExceeded:
      return 'PAYLOAD_TOO_LARGE';
    case NatsCode.AuthorizationViolation:
    case NatsCode.PermissionsViolation:
      return 'PERMISSION_DENIED';
    case NatsCode.BadAuthentication:
    case NatsCode.AuthenticationExpired:
      return 'UNAUTHENTICATED';
    default:
      return 'INTERNAL';
  }
}
