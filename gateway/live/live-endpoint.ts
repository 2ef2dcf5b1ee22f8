/**
 * `/api/v1/live` on uWS: the upgrade is authenticated (session cookie or token) and refused
 * with a normal HTTP error before upgrading otherwise; small frames only; idle clients are
 * pinged and dropped; messages are subscribe/unsubscribe commands, checked by a schema.
 *
 * The conversation (JSON text frames):
 * - client `{"op":"subscribe","topics":["applications","vms","hosts","events"],"organization"?:id,"fromSeq"?:n}`;
 *   server `{"op":"subscribed","organization","topics":[...]}`, or `{"op":"error","code","message"}`;
 *   without `organization` it is the principal's own; an operator names one (any), others may
 *   name only their own; each organization subscribed to has its own sequence;
 * - then, on the first subscribe to an organization, `{"op":"snapshot","organization","seq",
 *   "applications","hosts","events"}` (without `fromSeq`, or when the stream no longer holds what
 *   came after it, or when the principal's permissions changed);
 * - then `{"op":"event","organization","seq","topics","data"}` for every later record of the
 *   organization's stream that has one of the subscription's topics, each sequence once and in
 *   order, if the principal may read the stream;
 * - the server closes with 4008 "too slow" when a live client's send buffer passes the bound,
 *   1011 when the stream cannot be read, 1001 at shutdown; the client reconnects and sends
 *   `fromSeq` = the last `seq` it saw. 4001 "credentials revoked" (live-credentials.ts) and
 *   4009 "snapshot too large" ask for a new login or the operator instead.
 * Unknown topics, a subscribe past the topic limit and messages past the principal's rate limit
 * are answered with an `error` and change nothing.
 */
import { Type } from '@sinclair/typebox';
import type {
  HttpRequest,
  HttpResponse,
  us_socket_context_t,
  WebSocketBehavior,
} from '@trufflesuite/uws-js-unofficial';
import type { Logger } from '../../core/log.ts';
import { RavelError } from '../../core/errors.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { readCookie, resolvePrincipal, SESSION_COOKIE, TOKEN_HEADER } from '../auth/credentials.ts';
import { Exchange } from '../http/exchange.ts';
import { rateLimited } from '../http/dispatch.ts';
import type { Inflight } from '../http/inflight.ts';
import { encodeError } from '../http/wire-reply.ts';
import type { TokenBuckets } from '../limits/token-buckets.ts';
import { clientAddress } from '../limits/client-address.ts';
import { stringifyJson } from '../json/big-json.ts';
import { matches } from '../../domain/schemas/index.ts';
import { LIVE_TOPICS, type LiveCommand, type LiveConnection } from './live-events.ts';
import type { LiveHub } from './live-hub.ts';

export interface LiveEndpointOptions {
  readonly hub: LiveHub;
  readonly authenticator: Authenticator;
  readonly perAddress: TokenBuckets;
  readonly perPrincipal: TokenBuckets;
  readonly inflight: Inflight;
  readonly log: Logger;
  readonly maxPayloadLength: number;
  readonly idleTimeoutSeconds: number;
  readonly maxBufferedBytes: number;
  readonly maxSnapshotBytes: number;
}

let nextConnectionId = 1;

export const INVALID_COMMAND = stringifyJson({
  op: 'error',
  code: 'INVALID_ARGUMENT',
  message: 'expected {"op":"subscribe"|"unsubscribe","topics":[...],"organization"?:id,"fromSeq"?:n}',
});

/** The `error` answer to an operator's command without `organization`: an operator has none of its own. */
export const organizationRequiredError = stringifyJson({
  op: 'error',
  code: 'INVALID_ARGUMENT',
  message: 'an operator names the organization: {"op":"subscribe","topics":[...],"organization":id}',
});

/** The `error` to an operator naming an organization that does not exist: that subscription ends. */
export const noOrganizationError = (organization: string): string =>
  stringifyJson({ op: 'error', code: 'NOT_FOUND', message: `no organization ${organization}; its subscription ended` });

/** The `error` answer to a non-operator naming another organization than its own; nothing changes. */
export const notYourOrganizationError = (organization: number | string): string =>
  stringifyJson({ op: 'error', code: 'PERMISSION_DENIED', message: `organization ${organization} is not yours: only operators watch other organizations` });

/** The `error` answer to a command that names a topic that does not exist; nothing changes. */
export const unknownTopicError = (name: string): string =>
  stringifyJson({ op: 'error', code: 'INVALID_ARGUMENT', message: `unknown topic ${JSON.stringify(name)}; the topics are ${LIVE_TOPICS.join(', ')}` });

/** The `error` answer to a subscribe that would pass the per-connection topic limit; nothing changes. */
export const tooManyTopicsError = (max: number): string =>
  stringifyJson({ op: 'error', code: 'INVALID_ARGUMENT', message: `a connection has at most ${max} topics` });

/** The `error` answer to a message past the principal's rate limit; the message is ignored. */
export const rateLimitedError = (retryAfterSeconds: number): string =>
  stringifyJson({ op: 'error', code: 'RATE_LIMITED', message: `too many messages; retry in ${retryAfterSeconds} s` });

export function liveBehavior(o: LiveEndpointOptions): WebSocketBehavior<LiveConnection> {
  return {
    maxPayloadLength: o.maxPayloadLength,
    idleTimeout: o.idleTimeoutSeconds,
    sendPingsAutomatically: true,
    // Well above our own bounds (a snapshot may sit on top of the send buffer bound while it
    // drains): the hub sees the buffer pass them and closes first. Past this one uWS would skip
    // published frames (a gap), so it cuts the socket instead: a backstop.
    maxBackpressure: o.maxBufferedBytes * 8 + o.maxSnapshotBytes,
    closeOnBackpressureLimit: 1,
    upgrade: (res, req, context) => upgrade(o, res, req, context),
    open: (ws) => o.hub.add(ws),
    drain: (ws) => o.hub.drained(ws),
    message: (ws, message) => {
      // The same per-principal budget as its REST calls: a flood of commands costs it, not us.
      const allowed = o.perPrincipal.take(ws.getUserData().principal.id);
      if (!allowed.ok) return o.hub.send(ws, rateLimitedError(allowed.retryAfterSeconds));
      const cmd = parseCommand(Buffer.from(message).toString('utf8'));
      if (cmd === undefined) return o.hub.send(ws, INVALID_COMMAND);
      const unknown = cmd.topics.find((t) => !LIVE_TOPICS.includes(t));
      if (unknown !== undefined) return o.hub.send(ws, unknownTopicError(unknown));
      o.hub.command(ws, cmd);
    },
    close: (ws) => o.hub.remove(ws),
  };
}

function upgrade(
  o: LiveEndpointOptions,
  res: HttpResponse,
  req: HttpRequest,
  context: us_socket_context_t,
): void {
  const ex = new Exchange(res);
  const key = req.getHeader('sec-websocket-key');
  const protocol = req.getHeader('sec-websocket-protocol');
  const extensions = req.getHeader('sec-websocket-extensions');
  const sessionCookie = readCookie(req.getHeader('cookie'), SESSION_COOKIE);
  const tokenHeader = req.getHeader(TOKEN_HEADER);
  const token = tokenHeader === '' ? undefined : tokenHeader;
  const address = clientAddress(res);
  if (o.inflight.draining) {
    ex.send(encodeError(new RavelError('UNAVAILABLE', 'the gateway is shutting down')), true);
    return;
  }
  const byAddress = o.perAddress.take(address);
  if (!byAddress.ok) {
    ex.send(encodeError(rateLimited(byAddress.retryAfterSeconds, 'address')));
    return;
  }
  void resolvePrincipal(o.authenticator, { sessionCookie, token }, 'session-or-token')
    .then((principal) => {
      if (principal === undefined) return; // not reached: the requirement throws instead
      // Shutdown may have begun while we were asking the authenticator.
      if (o.inflight.draining) throw new RavelError('UNAVAILABLE', 'the gateway is shutting down');
      const conn: LiveConnection = {
        id: nextConnectionId++,
        principal,
        credentials: { sessionCookie, token },
        subscriptions: new Map(),
        closed: false,
      };
      ex.upgrade(() => res.upgrade(conn, key, protocol, extensions, context));
    })
    .catch((e: unknown) => {
      if (ex.send(encodeError(e))) o.log.debug({ address }, 'live upgrade refused');
    });
}

export const Command = Type.Object(
  {
    op: Type.Union([Type.Literal('subscribe'), Type.Literal('unsubscribe')]),
    topics: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 }),
    organization: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    fromSeq: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);

function parseCommand(text: string): LiveCommand | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return matches(Command, v) ? v : undefined;
}
