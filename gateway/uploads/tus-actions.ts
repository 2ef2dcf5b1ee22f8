/**
 * The asynchronous part of a tus request: authenticate, then create, report, receive or
 * terminate. Never rejects: every failure becomes an answer through the guarded Exchange.
 */
import { RavelError, isRavelError } from '../../core/errors.ts';
import { readCookie, resolvePrincipal, SESSION_COOKIE } from '../auth/credentials.ts';
import { rateLimited } from '../http/dispatch.ts';
import type { Exchange } from '../http/exchange.ts';
import { JSON_TYPE, type HeaderList } from '../http/wire-reply.ts';
import { stringifyJson } from '../json/big-json.ts';
import { API_PREFIX, type StreamContext } from '../gateway.ts';
import type { PatchBody } from './patch-body.ts';
import { receivePatch } from './tus-patch.ts';
import type { Upload, UploadRegistry } from './upload-registry.ts';
import { httpDate, integerHeader, parseMetadata, RESUMABLE, tusErrorReply, type TusHeaders } from './tus-protocol.ts';

export interface TusRequest {
  readonly method: string;
  /** The upload's id; undefined for the collection. */
  readonly id: string | undefined;
  readonly headers: TusHeaders;
  readonly body: PatchBody | undefined;
  readonly hasBody: boolean;
}

export async function runTus(ctx: StreamContext, registry: UploadRegistry, ex: Exchange, req: TusRequest): Promise<void> {
  let bodyRead = !req.hasBody;
  try {
    const cookie = req.headers['cookie'];
    const principal = await resolvePrincipal(
      ctx.authenticator,
      {
        sessionCookie: cookie === undefined ? undefined : readCookie(cookie, SESSION_COOKIE),
        token: req.headers['x-ephemeral-token-authorization'],
      },
      'session-or-token',
    );
    if (principal === undefined) throw new RavelError('UNAUTHENTICATED', 'authentication required');
    const taken = ctx.perPrincipal.take(principal.id);
    if (!taken.ok) throw rateLimited(taken.retryAfterSeconds, 'user or token');
    const tenant = principal.tenantId;
    if (req.id === undefined) {
      if (req.method !== 'POST') throw notAllowed(req.method, 'POST, OPTIONS');
      return void ex.send(create(registry, tenant, req.headers), !bodyRead);
    }
    const up = registry.get(tenant, req.id);
    switch (req.method) {
      case 'HEAD':
        ex.send({ status: 200, headers: [...uploadHeaders(up), ['Upload-Length', String(up.length)], ['Cache-Control', 'no-store'], ...metadata(up)], body: undefined }, !bodyRead);
        return;
      case 'GET':
        ex.send({ status: 200, headers: [RESUMABLE, ['Content-Type', JSON_TYPE], ['Cache-Control', 'no-store']], body: stringifyJson(up.status()) }, !bodyRead);
        return;
      case 'DELETE':
        registry.terminate(tenant, up.id);
        ex.send({ status: 204, headers: [RESUMABLE], body: undefined }, !bodyRead);
        return;
      case 'PATCH': {
        const end = await receivePatch(registry, up, req);
        bodyRead = end.bodyRead;
        if (end.error !== undefined) throw end.error;
        ex.send({ status: 204, headers: uploadHeaders(up), body: undefined });
        return;
      }
      default:
        throw notAllowed(req.method, 'HEAD, GET, PATCH, DELETE, OPTIONS');
    }
  } catch (e) {
    if (!ex.open) return;
    if (!isRavelError(e) || e.httpStatus >= 500) ctx.log.error({ err: e }, 'upload request failed');
    ex.send(tusErrorReply(e), !bodyRead);
  }
}

function create(registry: UploadRegistry, tenant: string, h: TusHeaders): { status: number; headers: HeaderList; body: undefined } {
  if (h['upload-defer-length'] !== undefined) throw new RavelError('INVALID_ARGUMENT', 'Upload-Defer-Length is not supported');
  const length = integerHeader(h['upload-length'], 'Upload-Length');
  if (length === undefined) throw new RavelError('INVALID_ARGUMENT', 'Upload-Length is required');
  const meta = parseMetadata(h['upload-metadata']);
  const name = (meta['name'] ?? meta['filename'] ?? 'upload').slice(0, 255) || 'upload';
  const up = registry.create(tenant, length, name, h['upload-metadata']);
  return {
    status: 201,
    headers: [RESUMABLE, ['Location', `${API_PREFIX}/uploads/${up.id}`], ['Upload-Expires', httpDate(up.expiresAt)], ['Upload-Offset', '0']],
    body: undefined,
  };
}

function uploadHeaders(up: Upload): HeaderList {
  return [RESUMABLE, ['Upload-Offset', String(up.offset)], ['Upload-Expires', httpDate(up.expiresAt)]];
}

function metadata(up: Upload): HeaderList {
  return up.metadataHeader === undefined ? [] : [['Upload-Metadata', up.metadataHeader]];
}

function notAllowed(method: string, allow: string): RavelError {
  return new RavelError('METHOD_NOT_ALLOWED', `${method} is not allowed here (${allow})`);
}
