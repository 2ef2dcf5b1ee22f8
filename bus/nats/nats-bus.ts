/**
 * The Bus over a NATS server: core messaging through `nats`, durable parts through JetStream
 * (file storage, replicas from the options). The client reconnects forever; each call waits at
 * most `callTimeoutMs` (requests: their own deadline), and a call that times out while the
 * connection is down fails with UNAVAILABLE.
 */
import { readFileSync } from 'node:fs';
import { Events, StorageType, connect, credsAuthenticator, type ConnectionOptions, type NatsConnection, type Subscription as NatsSub } from 'nats';
import { RavelError, toRavelError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type {
  Bus,
  BusMessage,
  Headers,
  KeyValue,
  KvBucketConfig,
  MessageHandler,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from '../bus.ts';
import { checkName, checkSubject } from '../subject.ts';
import { fromNatsHeaders, mapError, toNatsHeaders, type NatsContext } from './nats-context.ts';
import { fromNats } from './nats-errors.ts';
import { NatsKv } from './nats-kv.ts';
import { maxValueBytesFor, NATS_DEFAULT_MAX_PAYLOAD } from '../kv-limits.ts';
import { NatsRequests } from './nats-requests.ts';
import { NatsStreams } from './nats-streams.ts';

export interface NatsBusOptions {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  credsFile?: string;
  tls?: { certFile?: string; keyFile?: string; caFile?: string };
  /** Replicas of streams and buckets that do not say (3 on a three-server cluster). */
  replicas: number;
  /** The longest any JetStream call waits, connected or not. Default 5000. */
  callTimeoutMs?: number;
  name?: string;
  /**
   * Reply inboxes start with this instead of `_INBOX`, so a server can confine a client's
   * replies to its own prefix (HVX agents: `_INBOX_<hostId>`).
   */
  inboxPrefix?: string;
  logger?: Logger;
}

export class NatsBus implements Bus {
  readonly streams: NatsStreams;
  private readonly ctx: NatsContext;
  private readonly requests: NatsRequests;
  private readonly stoppers = new Set<() => Promise<void>>();
  private closed = false;
  private up = true;
  /** What to tell at the next reconnection (calls waiting for an answer). */
  private readonly reconnectWatchers = new Set<() => void>();

  private constructor(
    private readonly nc: NatsConnection,
    options: NatsBusOptions,
    jsm: NatsContext['jsm'],
  ) {
    const timeout = options.callTimeoutMs ?? 5000;
    this.ctx = {
      nc,
      js: nc.jetstream({ timeout }),
      jsm,
      log: options.logger ?? silentLogger,
      replicas: options.replicas,
      guard: () => this.guard(),
      connected: () => this.up,
      track: (stop) => {
        this.stoppers.add(stop);
        return () => void this.stoppers.delete(stop);
      },
      onReconnect: (lost) => {
        const watcher = (): void => lost();
        this.reconnectWatchers.add(watcher);
        return () => void this.reconnectWatchers.delete(watcher);
      },
    };
    this.streams = new NatsStreams(this.ctx);
    this.requests = new NatsRequests(nc, this.ctx, options.inboxPrefix);
    void this.watchStatus();
  }

  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const timeout = options.callTimeoutMs ?? 5000;
    const opts: ConnectionOptions = {
      servers: options.servers,
      name: options.name ?? 'ravel',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      timeout,
      // nats.js captures two stack traces per request for async traces; our errors carry
      // their own context, and the captures cost several µs a request.
      noAsyncTraces: true,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.pass === undefined ? {} : { pass: options.pass }),
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.credsFile === undefined ? {} : { authenticator: credsAuthenticator(readFileSync(options.credsFile)) }),
      ...(options.tls === undefined ? {} : { tls: { ...options.tls } }),
      ...(options.inboxPrefix === undefined ? {} : { inboxPrefix: options.inboxPrefix }),
    };
    let nc: NatsConnection;
    try {
      nc = await connect(opts);
    } catch (e) {
      throw fromNats(e, { what: `connect to ${options.servers.join(',')}`, connected: false, noRespondersMeans: 'UNAVAILABLE' });
    }
    try {
      return new NatsBus(nc, options, await nc.jetstreamManager({ timeout }));
    } catch (e) {
      await nc.close();
      throw fromNats(e, { what: 'JetStream', connected: true, noRespondersMeans: 'UNAVAILABLE' });
    }
  }

  publish(subject: string, data: Uint8Array, options: PublishOptions = {}): void {
    this.guard();
    checkSubject(subject);
    if (options.reply !== undefined) checkSubject(options.reply);
    const headers = toNatsHeaders(options.headers);
    try {
      this.nc.publish(subject, data, {
        ...(headers === undefined ? {} : { headers }),
        ...(options.reply === undefined ? {} : { reply: options.reply }),
      });
    } catch (e) {
      throw mapError(this.ctx, e, `publish ${subject}`);
    }
  }

  subscribe(subject: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscription {
    this.guard();
    checkSubject(subject, true);
    if (options.queue !== undefined) checkSubject(options.queue);
    const inFlight = new Set<Promise<void>>();
    const log = this.ctx.log;
    const failed = (e: unknown): void => log.error({ err: e, subject }, 'bus message handler failed');
    let sub: NatsSub;
    try {
      sub = this.nc.subscribe(subject, {
        ...(options.queue === undefined ? {} : { queue: options.queue }),
        callback: (err, m) => {
          if (err !== null) return failed(err);
          try {
            const r = handler({ subject: m.subject, data: m.data, headers: fromNatsHeaders(m.headers), reply: m.reply === '' ? undefined : m.reply });
            if (r instanceof Promise) {
              const p: Promise<void> = r.catch(failed).finally(() => inFlight.delete(p));
              inFlight.add(p);
            }
          } catch (e) {
            failed(e);
          }
        },
      });
    } catch (e) {
      throw mapError(this.ctx, e, `subscribe ${subject}`);
    }
    return {
      subject,
      unsubscribe: async () => {
        // Drain, not unsubscribe: nats.js forgets an unsubscribed sid at once and silently drops
        // what the server still routes to it until it reads the UNSUB, so a request in that
        // window would wait for its whole timeout. Draining keeps handling until the server
        // has confirmed.
        // Bounded: while disconnected the server's confirmation waits for the reconnect.
        if (!sub.isClosed() && !this.nc.isClosed()) {
          const drained = await withinMs(sub.drain().then(() => true, () => false), drainWaitMs);
          if (drained !== true && !sub.isClosed()) sub.unsubscribe();
        }
        await Promise.allSettled([...inFlight]);
      },
    };
  }

  /** Not async: a refusal is a rejected promise, and the common path adds no frame of its own. */
  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<BusMessage> {
    try {
      this.guard();
      checkSubject(subject);
      if (!(options.timeoutMs > 0)) throw new RavelError('INVALID_ARGUMENT', 'request timeoutMs must be positive');
    } catch (e) {
      return Promise.reject(toRavelError(e));
    }
    const aborted = (): RavelError => new RavelError('TIMEOUT', `request on ${subject} was aborted`, { details: { subject, aborted: true } });
    const signal = options.signal;
    if (signal?.aborted === true) return Promise.reject(aborted());
    const reply = this.requests.request(subject, data, options.timeoutMs, toNatsHeaders(options.headers));
    if (signal === undefined) return reply;
    let onAbort: (() => void) | undefined;
    const abort = new Promise<never>((_, reject) => signal.addEventListener('abort', (onAbort = () => reject(aborted())), { once: true }));
    reply.catch(() => undefined);
    return Promise.race([reply, abort]).finally(() => {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    });
  }

  respond(msg: BusMessage, data: Uint8Array, headers?: Headers): void {
    this.guard();
    if (msg.reply === undefined) throw new RavelError('INVALID_ARGUMENT', `message on ${msg.subject} asked for no reply`);
    // The reply subject came from the server with the message: each is unique (an inbox), so
    // checking it again only costs a split and a regex per reply on the hot path.
    const natsHeaders = toNatsHeaders(headers);
    try {
      this.nc.publish(msg.reply, data, natsHeaders === undefined ? {} : { headers: natsHeaders });
    } catch (e) {
      throw mapError(this.ctx, e, `respond on ${msg.reply}`);
    }
  }

  async flush(): Promise<void> {
    this.guard();
    try {
      await this.nc.flush();
    } catch (e) {
      throw mapError(this.ctx, e, 'flush');
    }
  }

  async kv(bucket: string, config: KvBucketConfig = {}): Promise<KeyValue> {
    this.guard();
    checkName(bucket, 'bucket');
    try {
      const kv = await this.ctx.js.views.kv(bucket, {
        replicas: config.replicas ?? this.ctx.replicas,
        history: config.history ?? 1,
        storage: StorageType.File,
      });
      return new NatsKv(this.ctx, bucket, kv, maxValueBytesFor(this.ctx.nc.info?.max_payload ?? NATS_DEFAULT_MAX_PAYLOAD));
    } catch (e) {
      throw mapError(this.ctx, e, `kv bucket ${bucket}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.stoppers].map((stop) => stop()));
    this.stoppers.clear();
    this.requests.closeAll(new RavelError('CLOSED', 'the bus closed before the reply'));
    await this.nc.close();
  }

  private guard(): void {
    if (this.closed) throw new RavelError('CLOSED', 'the bus is closed');
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === Events.Disconnect) this.up = false;
      else if (s.type === Events.Reconnect) {
        this.up = true;
        const lost = [...this.reconnectWatchers];
        this.reconnectWatchers.clear();
        for (const w of lost) w();
      }
      if (s.type === Events.Disconnect || s.type === Events.Reconnect) this.ctx.log.warn({ nats: s.type, server: s.data }, 'NATS connection');
    }
  }
}

/** How long an unsubscribe waits for the server to confirm before dropping the subscription anyway. */
const drainWaitMs = 5000;

function withinMs<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
