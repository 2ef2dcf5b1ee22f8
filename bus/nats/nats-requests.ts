/**
 * Requests over NATS through one reply subscription of our own (`<inbox>.*`) and a map from
 * request token to its waiting promise, in place of nats.js's request(): on every answered
 * request nats.js builds a NatsError (with its stack trace) to reject a promise it has already
 * resolved, and its timer and deferred wrap each call once more. Errors stay the bus's typed
 * ones: TIMEOUT at the deadline (UNAVAILABLE while disconnected), NO_RESPONDERS when the server
 * says nobody listens (a 503 status with no payload), CLOSED when the bus closes.
 */
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription as NatsSub } from 'nats';
import { RavelError } from '../../core/errors.ts';
import type { BusMessage } from '../bus.ts';
import { fromNatsHeaders, mapError, type NatsContext } from './nats-context.ts';

/** One request waiting for its reply. A class, not closures: this is on every request. */
class Pending {
  timer: NodeJS.Timeout | undefined;
  resolve!: (m: BusMessage) => void;
  reject!: (e: RavelError) => void;
  readonly promise: Promise<BusMessage>;

  constructor(readonly subject: string) {
    this.promise = new Promise<BusMessage>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

export class NatsRequests {
  private sub: NatsSub | undefined;
  private prefix = '';
  private next = 0;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly ctx: NatsContext,
    private readonly inboxPrefix: string | undefined,
  ) {}

  /** Publishes `data` to `subject` with a reply subject of ours; the promise settles once. */
  request(subject: string, data: Uint8Array, timeoutMs: number, headers: MsgHdrs | undefined): Promise<BusMessage> {
    const sub = this.sub ?? this.subscribe();
    if (sub.isClosed()) return Promise.reject(new RavelError('CLOSED', `request ${subject}: the reply subscription is closed`));
    const token = (this.next++).toString(36);
    const p = new Pending(subject);
    this.pending.set(token, p);
    try {
      this.nc.publish(subject, data, headers === undefined ? { reply: `${this.prefix}.${token}` } : { reply: `${this.prefix}.${token}`, headers });
    } catch (e) {
      this.pending.delete(token);
      return Promise.reject(mapError(this.ctx, e, `request ${subject}`, { noRespondersMeans: 'NO_RESPONDERS' }));
    }
    p.timer = setTimeout(() => this.expire(token), timeoutMs);
    return p.promise;
  }

  /** Fails every waiting request (the bus is closing). */
  closeAll(error: RavelError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(error);
    }
  }

  get waiting(): number {
    return this.pending.size;
  }

  private subscribe(): NatsSub {
    // nats.js sends SUB before any later PUB on the same connection, and subscribes again after a reconnection.
    this.prefix = createInbox(this.inboxPrefix);
    const sub = this.nc.subscribe(`${this.prefix}.*`, { callback: (err, m) => this.onReply(err, m) });
    this.sub = sub;
    return sub;
  }

  private onReply(err: Error | null, m: Msg): void {
    if (err !== null) {
      // The subscription itself failed (a permissions violation): nothing more will arrive on it.
      this.sub = undefined;
      return this.closeAll(mapError(this.ctx, err, 'request reply inbox'));
    }
    const token = m.subject.slice(this.prefix.length + 1);
    const p = this.pending.get(token);
    if (p === undefined) return; // answered after its timeout
    this.pending.delete(token);
    clearTimeout(p.timer);
    if (m.data.length === 0 && m.headers?.code === 503) {
      p.reject(new RavelError('NO_RESPONDERS', `request ${p.subject}: no responders`, { details: { subject: p.subject } }));
      return;
    }
    p.resolve({ subject: m.subject, data: m.data, headers: fromNatsHeaders(m.headers), reply: m.reply === '' || m.reply === undefined ? undefined : m.reply });
  }

  private expire(token: string): void {
    const p = this.pending.get(token);
    if (p === undefined) return;
    this.pending.delete(token);
    const code = this.ctx.connected() ? 'TIMEOUT' : 'UNAVAILABLE';
    p.reject(new RavelError(code, `request ${p.subject}: no reply in time`, { details: { subject: p.subject } }));
  }
}
