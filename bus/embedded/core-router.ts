/**
 * In-process publish/subscribe and request/reply for the embedded bus. Delivery is
 * asynchronous (a microtask per message), in publish order per subscription, like a NATS
 * connection; a queue group hands each message to one member, round robin.
 */
import { randomBytes } from 'node:crypto';
import { RavelError } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type {
  BusMessage,
  Headers,
  MessageHandler,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from '../bus.ts';
import { INBOX_PREFIX, checkSubject, subjectMatches } from '../subject.ts';

interface Sub {
  readonly pattern: string;
  readonly queue: string | undefined;
  readonly handler: MessageHandler;
  readonly inFlight: Set<Promise<void>>;
  closed: boolean;
}

const noHeaders: Headers = Object.freeze({});

export class CoreRouter {
  private readonly subs = new Set<Sub>();
  private readonly roundRobin = new Map<string, number>();
  private readonly inboxBase = `${INBOX_PREFIX}.${randomBytes(8).toString('hex')}`;
  private nextInbox = 0;
  private readonly openRequests = new Set<(e: RavelError) => void>();
  /** Reply inboxes of open requests: routed directly, not through the subscription scan. */
  private readonly inboxes = new Map<string, (reply: BusMessage) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  publish(subject: string, data: Uint8Array, options: PublishOptions = {}): number {
    checkSubject(subject);
    if (options.reply !== undefined) checkSubject(options.reply);
    const msg: BusMessage = {
      subject,
      data: Uint8Array.prototype.slice.call(data),
      headers: options.headers === undefined ? noHeaders : Object.freeze({ ...options.headers }),
      reply: options.reply,
    };
    return this.route(msg);
  }

  subscribe(pattern: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscription {
    checkSubject(pattern, true);
    if (options.queue !== undefined) checkSubject(options.queue);
    const sub: Sub = { pattern, queue: options.queue, handler, inFlight: new Set(), closed: false };
    this.subs.add(sub);
    return {
      subject: pattern,
      unsubscribe: async () => {
        sub.closed = true;
        this.subs.delete(sub);
        await Promise.allSettled([...sub.inFlight]);
      },
    };
  }

  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<BusMessage> {
    checkSubject(subject);
    if (!(options.timeoutMs > 0)) throw new RavelError('INVALID_ARGUMENT', 'request timeoutMs must be positive');
    if (options.signal?.aborted) return Promise.reject(aborted(subject));
    const inbox = `${this.inboxBase}.${this.nextInbox++}`;
    return new Promise<BusMessage>((resolve, reject) => {
      const finish = (): void => {
        this.inboxes.delete(inbox);
        this.clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.openRequests.delete(fail);
      };
      const fail = (e: RavelError): void => {
        finish();
        reject(e);
      };
      const timer = this.clock.setTimeout(
        () => fail(new RavelError('TIMEOUT', `no reply on ${subject} within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      const onAbort = (): void => fail(aborted(subject));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.openRequests.add(fail);
      this.inboxes.set(inbox, (reply) => {
        finish();
        resolve(reply);
      });
      const msg: BusMessage = {
        subject,
        data: Uint8Array.prototype.slice.call(data),
        headers: options.headers === undefined ? noHeaders : Object.freeze({ ...options.headers }),
        reply: inbox,
      };
      if (this.route(msg) === 0) {
        fail(new RavelError('NO_RESPONDERS', `nobody listens on ${subject}`, { details: { subject } }));
      }
    });
  }

  /** Fails every open request and drops every subscription. */
  close(): void {
    for (const fail of [...this.openRequests]) fail(new RavelError('CLOSED', 'the bus was closed'));
    for (const s of this.subs) s.closed = true;
    this.subs.clear();
  }

  private route(msg: BusMessage): number {
    const inbox = this.inboxes.get(msg.subject);
    if (inbox !== undefined) {
      queueMicrotask(() => inbox(msg));
      return 1;
    }
    const groups = new Map<string, Sub[]>();
    const targets: Sub[] = [];
    for (const s of this.subs) {
      if (!subjectMatches(s.pattern, msg.subject)) continue;
      if (s.queue === undefined) targets.push(s);
      else {
        const key = `${s.queue} ${s.pattern}`;
        const members = groups.get(key);
        if (members === undefined) groups.set(key, [s]);
        else members.push(s);
      }
    }
    for (const [key, members] of groups) {
      const turn = this.roundRobin.get(key) ?? 0;
      this.roundRobin.set(key, turn + 1);
      const chosen = members[turn % members.length];
      if (chosen !== undefined) targets.push(chosen);
    }
    for (const s of targets) queueMicrotask(() => this.invoke(s, msg));
    return targets.length;
  }

  private invoke(sub: Sub, msg: BusMessage): void {
    if (sub.closed) return;
    try {
      const r = sub.handler(msg);
      if (r instanceof Promise) {
        const tracked: Promise<void> = r.catch((e: unknown) => this.handlerFailed(sub, e)).finally(() => {
          sub.inFlight.delete(tracked);
        });
        sub.inFlight.add(tracked);
      }
    } catch (e) {
      this.handlerFailed(sub, e);
    }
  }

  private handlerFailed(sub: Sub, e: unknown): void {
    this.log.error({ err: e, subject: sub.pattern }, 'bus message handler failed');
  }
}

function aborted(subject: string): RavelError {
  return new RavelError('TIMEOUT', `request on ${subject} was aborted`, { details: { subject, aborted: true } });
}
