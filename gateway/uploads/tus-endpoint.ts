/**
 * `/api/v1/uploads` on uWS: the synchronous part of each request. It copies what it needs
 * out of uWS, answers what needs no await (OPTIONS, a missing or wrong Tus-Resumable,
 * draining), registers the PATCH body reader, and hands the rest to tus-actions.ts.
 */
import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { RavelError } from '../../core/errors.ts';
import { Exchange } from '../http/exchange.ts';
import { API_PREFIX, type StreamContext, type StreamEndpoint } from '../gateway.ts';
import { runTus, type TusRequest } from './tus-actions.ts';
import { PatchBody } from './patch-body.ts';
import type { UploadRegistry } from './upload-registry.ts';
import {
  RESUMABLE,
  TUS_CHECKSUMS,
  TUS_EXTENSIONS,
  TUS_HEADERS,
  TUS_VERSION,
  tusError,
  tusErrorReply,
  type TusHeaders,
} from './tus-protocol.ts';

export const UPLOADS_PATH = '/uploads';

export function tusEndpoint(registry: UploadRegistry): StreamEndpoint {
  return {
    patterns: [UPLOADS_PATH, `${UPLOADS_PATH}/*`],
    docs: [
      { method: 'OPTIONS', path: UPLOADS_PATH, summary: 'tus: the versions, extensions, maximum size and checksum algorithms', auth: 'none' },
      { method: 'POST', path: UPLOADS_PATH, summary: 'tus creation: Upload-Length and Upload-Metadata (filename, name); 201 with Location', auth: 'session-or-token', headers: ['Tus-Resumable', 'Upload-Length', 'Upload-Metadata'] },
      { method: 'HEAD', path: `${UPLOADS_PATH}/{id}`, summary: 'tus: the stored offset', auth: 'session-or-token', headers: ['Tus-Resumable'] },
      { method: 'PATCH', path: `${UPLOADS_PATH}/{id}`, summary: 'tus: bytes at Upload-Offset, optionally with Upload-Checksum (sha1, sha256)', auth: 'session-or-token', headers: ['Tus-Resumable', 'Upload-Offset', 'Upload-Checksum'] },
      { method: 'DELETE', path: `${UPLOADS_PATH}/{id}`, summary: 'tus termination', auth: 'session-or-token', headers: ['Tus-Resumable'] },
      { method: 'GET', path: `${UPLOADS_PATH}/{id}`, summary: 'The upload: {state: RECEIVING, PARSING, DONE or FAILED, error?, diskImageIds?, imageId?}', auth: 'session-or-token' },
    ],
    handler: (ctx) => (res, req) => handle(ctx, registry, res, req),
  };
}

function handle(ctx: StreamContext, registry: UploadRegistry, res: HttpResponse, req: HttpRequest): void {
  const ex = new Exchange(res);
  const method = req.getCaseSensitiveMethod().toUpperCase();
  const rest = req.getUrl().slice(API_PREFIX.length + UPLOADS_PATH.length);
  const headers: TusHeaders = {};
  for (const h of TUS_HEADERS) {
    const v = req.getHeader(h);
    if (v !== '') headers[h] = v;
  }
  const length = headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') || req.getHeader('transfer-encoding') !== '';
  const id = rest === '' || rest === '/' ? undefined : /^\/([A-Za-z0-9-]{1,64})$/.exec(rest)?.[1];
  if (ctx.inflight.draining) {
    ex.send(tusErrorReply(new RavelError('UNAVAILABLE', 'the gateway is shutting down')), true);
    return;
  }
  if (method === 'OPTIONS') {
    ex.send(
      {
        status: 204,
        headers: [
          RESUMABLE,
          ['Tus-Version', TUS_VERSION],
          ['Tus-Extension', TUS_EXTENSIONS],
          ['Tus-Max-Size', String(registry.options.maxSize)],
          ['Tus-Checksum-Algorithm', TUS_CHECKSUMS],
        ],
        body: undefined,
      },
      hasBody,
    );
    return;
  }
  if (id === undefined && rest !== '' && rest !== '/') {
    ex.send(tusErrorReply(new RavelError('NOT_FOUND', 'no such upload')), hasBody);
    return;
  }
  // GET of an upload is our status call, not tus: the one method that needs no Tus-Resumable.
  if (method !== 'GET' && headers['tus-resumable'] !== TUS_VERSION) {
    const e = tusError(412, `Tus-Resumable: ${TUS_VERSION} is required`);
    ex.send(tusErrorReply(e, [['Tus-Version', TUS_VERSION]]), hasBody);
    return;
  }
  const body = method === 'PATCH' && hasBody ? new PatchBody(ex, registry.options.highWater) : undefined;
  const tusReq: TusRequest = { method, id, headers, body, hasBody };
  ctx.inflight.enter();
  void runTus(ctx, registry, ex, tusReq).finally(() => ctx.inflight.leave());
}
