/**
 * The sending side of ask and tell, the same for every ActorRef: straight into the mailbox when
 * this node serves the actor's shard (no bus hop, no encoding), else over the bus to the shard's
 * subject. Retryable refusals (no owner right now, not the owner, fenced before writing) are
 * retried with backoff until the deadline, finding the owner afresh each time.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import type { Bus } from '../../bus/bus.ts';
import type { ActorMessage, ActorRef, ActorSender, AnyActorKind, AskOptions, ReadNow } from '../actor-kind.ts';
import { checkRef, refString } from './actor-address.ts';
import { ignoreReply } from './delivery.ts';
import { isRetryable } from './envelope.ts';
import { remoteTarget, sendRemote, withRetries, type RemoteTarget, type SendMode } from './remote-send.ts';
import type { RuntimeSettings } from './runtime-settings.ts';
import type { ShardHost } from './shard-host.ts';

const accepted: Promise<void> = Promise.resolve();

/**
 * An ask delivered to a local mailbox: its answer, or TIMEOUT at the deadline. A class rather
 * than closures assigned to names: the loader's keepNames wraps each such closure in a
 * defineProperty call, on every ask.
 */
class LocalAsk {
  readonly promise: Promise<unknown>;
  private resolve: ((v: unknown) => void) | undefined;
  private reject: ((e: RavelError) => void) | undefined;
  private timer: TimerHandle | undefined;
  private settled = false;

  constructor(private readonly clock: Clock) {
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  settle(e: RavelError | undefined, v: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (e === undefined) this.resolve?.(v);
    else this.reject?.(e);
  }

  /** No timer when the answer came during delivery. */
  expireAt(deadline: number, ref: ActorRef): void {
    if (this.settled) return;
    this.timer = this.clock.setTimeout(() => this.settle(new RavelError('TIMEOUT', `no reply from ${refString(ref)} in time`), undefined), Math.max(0, deadline - this.clock.now()));
  }
}

export class Router implements ActorSender {
  constructor(
    private readonly host: ShardHost,
    private readonly kinds: ReadonlyMap<string, AnyActorKind>,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly settings: RuntimeSettings,
  ) {
    this.target = remoteTarget(bus, clock, settings.subjectPrefix, settings.shards);
  }

  private readonly target: RemoteTarget;

  ask<R = unknown, M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M, options?: AskOptions): Promise<R> {
    const kind = this.kindOf(ref);
    const deadline = this.clock.now() + (options?.timeoutMs ?? this.settings.askTimeoutMs);
    const key = options?.idempotencyKey;
    const readOnly = options?.readOnly === true;
    return this.withRetries(ref, deadline, () => this.askOnce(ref, kind, msg, key, deadline, readOnly)) as Promise<R>;
  }

  tell<M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M, options?: Omit<AskOptions, 'timeoutMs'>): Promise<void> {
    const kind = this.kindOf(ref);
    const key = options?.idempotencyKey;
    const o = { ask: false, idempotencyKey: key, deadline: undefined };
    const refused = this.host.deliver(ref, kind, msg, kind.schemaVersion, o, ignoreReply);
    if (refused === undefined) return accepted;
    if (!isRetryable(refused)) return Promise.reject(refused);
    const deadline = this.clock.now() + this.settings.askTimeoutMs;
    return this.withRetries(ref, deadline, () => this.tellOnce(ref, kind, msg, key, deadline));
  }

  readNow<R = unknown, M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M): ReadNow<R> | undefined {
    const kind = this.kinds.get(ref.kind);
    return kind === undefined ? undefined : (this.host.readNow(ref, msg) as ReadNow<R> | undefined);
  }

  private kindOf(ref: ActorRef): AnyActorKind {
    checkRef(ref);
    const kind = this.kinds.get(ref.kind);
    if (kind === undefined) throw new RavelError('INVALID_ARGUMENT', `actor kind ${JSON.stringify(ref.kind)} is not registered on this node`);
    return kind;
  }

  /** Not async (see withRetries): a refusal is a rejected promise, as an async function's throw would be. */
  private askOnce(ref: ActorRef, kind: AnyActorKind, msg: ActorMessage, key: string | undefined, deadline: number, readOnly: boolean): Promise<unknown> {
    const pending = new LocalAsk(this.clock);
    const o = { ask: true, idempotencyKey: key, deadline, readOnly, local: true };
    const refused = this.host.deliver(ref, kind, msg, kind.schemaVersion, o, (e, v) => pending.settle(e, v));
    if (refused === undefined) {
      pending.expireAt(deadline, ref);
      return pending.promise;
    }
    if (refused.details?.['reason'] !== 'not-owner') return Promise.reject(refused);
    return this.remote(ref, kind, msg, readOnly ? 'read' : 1, key, deadline);
  }

  private async tellOnce(ref: ActorRef, kind: AnyActorKind, msg: ActorMessage, key: string | undefined, deadline: number): Promise<void> {
    const refused = this.host.deliver(ref, kind, msg, kind.schemaVersion, { ask: false, idempotencyKey: key, deadline: undefined }, ignoreReply);
    if (refused === undefined) return;
    if (refused.details?.['reason'] !== 'not-owner') throw refused;
    await this.remote(ref, kind, msg, 0, key, deadline);
  }

  private remote(ref: ActorRef, kind: AnyActorKind, msg: ActorMessage, mode: SendMode, key: string | undefined, deadline: number): Promise<unknown> {
    return sendRemote(this.target, ref, kind, msg, mode, key, deadline);
  }

  private withRetries<T>(ref: ActorRef, deadline: number, once: () => Promise<T>): Promise<T> {
    return withRetries(this.clock, ref, deadline, once);
  }
}
