/**
 * The per-address rate limit in front of every streaming endpoint (tus uploads, disk content),
 * as the route table has it: taken in the synchronous part of the uWS handler, before the
 * endpoint sees the request; over the limit, 429 with Retry-After and the endpoint never runs.
 * The per-principal limit is taken by each endpoint once it knows who is calling.
 */
import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { rateLimited } from '../http/dispatch.ts';
import { Exchange } from '../http/exchange.ts';
import { encodeError } from '../http/wire-reply.ts';
import type { TokenBuckets } from './token-buckets.ts';
import { clientAddress } from './client-address.ts';

type UwsHandler = (res: HttpResponse, req: HttpRequest) => void;

export function limitedByAddress(perAddress: TokenBuckets, inner: UwsHandler): UwsHandler {
  return (res, req) => {
    const taken = perAddress.take(clientAddress(res));
    if (taken.ok) return inner(res, req);
    const length = req.getHeader('content-length');
    const hasBody = (length !== '' && length !== '0') || req.getHeader('transfer-encoding') !== '';
    // Answered before the body: the connection closes so the rest is not read as a request.
    new Exchange(res).send(encodeError(rateLimited(taken.retryAfterSeconds, 'address')), hasBody);
  };
}
