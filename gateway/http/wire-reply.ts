/**
 * Replies and errors in the wire form API.md asks for: `Content-Type: application/json`
 * exactly, `Location` on created objects, and every error as a 4xx/5xx with `ERROR-CODE`,
 * `ERROR-MESSAGE` and a `{code, message}` body. This is the one place errors become HTTP.
 */
import { errorToWire, RavelError, toRavelError } from '../../core/errors.ts';
import { encodeValue, stringifyJson } from '../json/big-json.ts';
import type { CookieSpec, Reply } from './route.ts';

export type HeaderList = [string, string][];

/** A reply ready for the socket. */
export interface WireReply {
  readonly status: number;
  readonly headers: HeaderList;
  /** Bytes: an encoding kept for an unchanged value (big-json.ts encodeValue). */
  readonly body: string | Uint8Array | undefined;
}

export const JSON_TYPE = 'application/json';

/** `requestId`: the client's X-Request-Id, echoed back (already checked by the dispatcher). */
export function encodeReply(reply: Reply, secure: boolean, requestId?: string): WireReply {
  const headers: HeaderList = [];
  let body: string | Uint8Array | undefined;
  let status: number;
  switch (reply.kind) {
    case 'json':
      status = reply.status ?? 200;
      headers.push(['Content-Type', JSON_TYPE]);
      body =
        reply.immutable === true && typeof reply.body === 'object' && reply.body !== null
          ? encodeValue(reply.body)
          : stringifyJson(reply.body);
      break;
    case 'text':
      status = reply.status ?? 200;
      headers.push(['Content-Type', reply.contentType ?? 'text/plain']);
      body = reply.body;
      break;
    case 'empty':
      status = reply.status ?? 204;
      break;
  }
  if (reply.location !== undefined) headers.push(['Location', reply.location]);
  if (requestId !== undefined) headers.push(['X-Request-Id', requestId]);
  if (reply.cookies !== undefined) {
    for (const c of reply.cookies) headers.push(['Set-Cookie', formatCookie(c, secure)]);
  }
  if (reply.headers !== undefined) {
    for (const [k, v] of Object.entries(reply.headers)) headers.push([k, headerSafe(v)]);
  }
  return { status, headers, body };
}

/** Anything thrown becomes a RavelError; unknown errors are INTERNAL and keep their text to the log. */
export function encodeError(e: unknown, extraHeaders: HeaderList = []): WireReply {
  const err =
    e instanceof RavelError
      ? e
      : new RavelError('INTERNAL', 'internal error', { cause: toRavelError(e) });
  const wire = errorToWire(err);
  const retry = err.details?.['retryAfterSeconds'];
  if (typeof retry === 'number')
    extraHeaders = [...extraHeaders, ['Retry-After', String(Math.max(1, Math.ceil(retry)))]];
  return {
    status: err.httpStatus,
    headers: [
      ['Content-Type', JSON_TYPE],
      ['ERROR-CODE', err.code],
      ['ERROR-MESSAGE', headerSafe(err.message)],
      ...extraHeaders,
    ],
    body: stringifyJson(wire),
  };
}

export function formatCookie(c: CookieSpec, secure: boolean): string {
  const parts = c.value === undefined ? [`${c.name}=`, 'Max-Age=0'] : [`${c.name}=${c.value}`];
  if (c.value !== undefined && c.maxAgeSeconds !== undefined)
    parts.push(`Max-Age=${Math.floor(c.maxAgeSeconds)}`);
  parts.push('Path=/', 'HttpOnly', 'SameSite=Strict');
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** Header values must be one line of visible ASCII; messages are cut to a readable length. */
export function headerSafe(v: string): string {
  const clean = v.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 300 ? `${clean.slice(0, 297)}...` : clean;
}

const reasons: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
const statusLines = new Map<number, string>();

/** `200 OK`, built once per status. */
export function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `${status} ${reasons[status] ?? 'Status'}`;
    statusLines.set(status, line);
  }
  return line;
}
