/**
 * `GET /api/v1/diskImages/{id}`: the image's record with `format, virtualSize, storedSize,
 * sha256`; `GET /api/v1/diskImages/{id}/content`: its logical disk as raw bytes, honouring a
 * single `Range` (206 with Content-Range, 416 when unsatisfiable), read block by block at
 * the pace the client takes them. Another tenant's image is 404.
 *
 * With a `locate` (a node with the library), ids are the library's integer disk image ids: the
 * library says where each one's content is, and `GET /diskImages/{id}` itself is the route
 * table's (gateway/api/image-routes.ts). Without one (the upload tests' store-only gateway),
 * ids are the store's and the record comes from the store.
 */
import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { RavelError, isRavelError } from '../../core/errors.ts';
import type { ImageService } from '../../storage-engine/image-service/image-service.ts';
import { readCookie, resolvePrincipal, SESSION_COOKIE, TOKEN_HEADER } from '../auth/credentials.ts';
import { Exchange } from '../http/exchange.ts';
import { encodeError, JSON_TYPE } from '../http/wire-reply.ts';
import { stringifyJson } from '../json/big-json.ts';
import { API_PREFIX, type StreamContext, type StreamEndpoint } from '../gateway.ts';
import { parseRange } from './byte-range.ts';
import { streamBody } from './content-stream.ts';
import { diskBytes } from './disk-bytes.ts';
import type { Principal } from '../http/route.ts';

const PATH = '/diskImages';

/** What the endpoint needs of the image service. */
export type DiskReader = Pick<ImageService, 'get' | 'info' | 'readBlocks'>;

/** Where a disk image's content is in the store: its tenant and image. */
export type DiskLocator = (principal: Principal, id: string) => Promise<{ readonly tenant: string; readonly image: string }>;

export interface DiskImageEndpointOptions {
  readonly locate?: DiskLocator;
}

const storeIds: DiskLocator = async (principal, id) => ({ tenant: principal.tenantId, image: id });

export function diskImageEndpoint(images: DiskReader, o: DiskImageEndpointOptions = {}): StreamEndpoint {
  const locate = o.locate ?? storeIds;
  return {
    patterns: o.locate === undefined ? [`${PATH}/:id`, `${PATH}/:id/content`] : [`${PATH}/:id/content`],
    handler: (ctx) => (res, req) => handle(ctx, images, locate, res, req),
  };
}

interface Copied {
  readonly method: string;
  readonly id: string;
  readonly content: boolean;
  readonly cookie: string;
  readonly token: string;
  readonly range: string;
}

function handle(ctx: StreamContext, images: DiskReader, locate: DiskLocator, res: HttpResponse, req: HttpRequest): void {
  const ex = new Exchange(res);
  const c: Copied = {
    method: req.getCaseSensitiveMethod().toUpperCase(),
    id: req.getParameter(0) ?? '',
    content: req.getUrl().endsWith('/content'),
    cookie: req.getHeader('cookie'),
    token: req.getHeader(TOKEN_HEADER),
    range: req.getHeader('range'),
  };
  const hasBody = req.getHeader('content-length') !== '' && req.getHeader('content-length') !== '0';
  if (ctx.inflight.draining) return void ex.send(encodeError(new RavelError('UNAVAILABLE', 'the gateway is shutting down')), true);
  if (c.method !== 'GET') {
    const e = new RavelError('METHOD_NOT_ALLOWED', `${c.method} is not allowed here`);
    return void ex.send(encodeError(e, [['Allow', 'GET']]), hasBody);
  }
  ctx.inflight.enter();
  void run(ctx, images, locate, ex, c).finally(() => ctx.inflight.leave());
}

async function run(ctx: StreamContext, images: DiskReader, locate: DiskLocator, ex: Exchange, c: Copied): Promise<void> {
  try {
    const creds = { sessionCookie: c.cookie === '' ? undefined : readCookie(c.cookie, SESSION_COOKIE), token: c.token === '' ? undefined : c.token };
    const principal = await resolvePrincipal(ctx.authenticator, creds, 'session-or-token');
    if (principal === undefined) throw new RavelError('UNAUTHENTICATED', 'authentication required');
    const where = await locate(principal, c.id);
    const info = await images.get(where.tenant, where.image);
    if (!c.content) {
      const body = { id: info.id, name: info.name, format: info.format, virtualSize: info.virtualSize, storedSize: info.storedSize, sha256: info.sha256, creationTime: info.createdAt };
      ex.send({ status: 200, headers: [['Content-Type', JSON_TYPE], ['Content-Location', `${API_PREFIX}${PATH}/${info.id}`]], body: stringifyJson(body) });
      return;
    }
    const size = info.virtualSize;
    const range = parseRange(c.range, size);
    if (range.kind === 'unsatisfiable') {
      const e = new RavelError('INVALID_ARGUMENT', `Range ${c.range} is outside the disk's ${size} bytes`);
      ex.send({ ...encodeError(e, [['Content-Range', `bytes */${size}`]]), status: 416 });
      return;
    }
    const [start, end] = range.kind === 'part' ? [range.start, range.end] : [0, size - 1];
    const headers: [string, string][] = [['Content-Type', 'application/octet-stream'], ['Accept-Ranges', 'bytes']];
    if (range.kind === 'part') headers.push(['Content-Range', `bytes ${start}-${end}/${size}`]);
    const { blockSize } = await images.info();
    const pieces = info.head === null || size === 0 ? emptyPieces() : diskBytes(images, where.tenant, info.head, blockSize, start, end);
    if (!ex.open) return;
    await streamBody(ex, range.kind === 'part' ? 206 : 200, headers, size === 0 ? 0 : end - start + 1, pieces).catch((e: unknown) => {
      // Headers are gone: all that is left is to cut the connection so the client sees it short.
      ctx.log.error({ err: e, image: c.id }, 'disk content stream failed');
      if (!ex.aborted) ex.res.close();
    });
  } catch (e) {
    if (!ex.open) return;
    if (!isRavelError(e) || e.httpStatus >= 500) ctx.log.error({ err: e }, 'disk image request failed');
    ex.send(encodeError(e));
  }
}

async function* emptyPieces(): AsyncGenerator<Uint8Array> {}
