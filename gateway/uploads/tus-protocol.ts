/** The tus 1.0.0 vocabulary: headers, metadata and checksum parsing, and its error answers. */
import { createHash, type Hash } from 'node:crypto';
import { RavelError } from '../../core/errors.ts';
import { encodeError, type HeaderList, type WireReply } from '../http/wire-reply.ts';

export const TUS_VERSION = '1.0.0';
export const TUS_EXTENSIONS = 'creation,checksum,termination,expiration';
export const TUS_CHECKSUMS = 'sha1,sha256';
export const OFFSET_TYPE = 'application/offset+octet-stream';

/** Request headers a tus handler copies out of uWS (lower-case). */
export const TUS_HEADERS = [
  'tus-resumable',
  'upload-length',
  'upload-offset',
  'upload-metadata',
  'upload-checksum',
  'upload-defer-length',
  'content-type',
  'content-length',
  'accept',
  'cookie',
  'x-ephemeral-token-authorization',
] as const;

export type TusHeaders = Partial<Record<(typeof TUS_HEADERS)[number], string>>;

export const RESUMABLE: [string, string] = ['Tus-Resumable', TUS_VERSION];

/** Statuses tus defines that have no RavelError code of their own: carried in details. */
export function tusError(status: 412 | 460, message: string): RavelError {
  return new RavelError('INVALID_ARGUMENT', message, { details: { tusStatus: status } });
}

/** An error as a tus answer: the mapped status (or the tus one), with Tus-Resumable. */
export function tusErrorReply(e: unknown, extra: HeaderList = []): WireReply {
  const wire = encodeError(e, [RESUMABLE, ...extra]);
  const tusStatus = e instanceof RavelError ? e.details?.['tusStatus'] : undefined;
  return typeof tusStatus === 'number' ? { ...wire, status: tusStatus } : wire;
}

/** `Upload-Metadata: key base64,key2 base64`; values decoded as UTF-8. */
export function parseMetadata(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (header === undefined || header.trim() === '') return out;
  for (const pair of header.split(',')) {
    const [key, value, ...more] = pair.trim().split(' ');
    if (key === undefined || key === '' || more.length > 0 || (value !== undefined && !/^[A-Za-z0-9+/=]*$/.test(value))) {
      throw new RavelError('INVALID_ARGUMENT', 'Upload-Metadata must be comma-separated "key base64value" pairs');
    }
    out[key] = value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
  }
  return out;
}

export interface ChecksumCheck {
  readonly hash: Hash;
  readonly expected: string;
}

/** `Upload-Checksum: sha1 base64digest`; undefined when absent. */
export function parseChecksum(header: string | undefined): ChecksumCheck | undefined {
  if (header === undefined) return undefined;
  const m = /^(sha1|sha256) ([A-Za-z0-9+/=]+)$/.exec(header.trim());
  if (m === null) {
    throw new RavelError('INVALID_ARGUMENT', `Upload-Checksum must name one of ${TUS_CHECKSUMS} and a base64 digest`);
  }
  return { hash: createHash(m[1] as string), expected: m[2] as string };
}

/** A non-negative integer header, or undefined when absent; anything else is refused. */
export function integerHeader(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new RavelError('INVALID_ARGUMENT', `${name} must be a non-negative integer`);
  return Number(value);
}

/** Upload-Expires is an RFC 7231 date. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
