/**
 * The shards this node owns and the activations living in them. `deliver` is the one door every
 * message enters by, local or remote: it checks the lease, decodes, counts, traces, and queues
 * the message in the actor's mailbox (activating the actor first when needed).
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { RavelError, toRavelError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Subscription } from '../../bus/bus.ts';
import type { ActorMessage, ActorRef, ActorSender, AnyActorKind, ReadNow } from '../actor-kind.ts';
import { actorKey, refString } from './actor-address.ts';
import { Activation, earliestDue } from './activation.ts';
import type { ActivationHost } from './activation-host.ts';
import type { MessageDelivery, ReplyFn } from './delivery.ts';
import { retryable } from './envelope.ts';
import type { ActorMetrics } from './metrics.ts';
import type { RecordStore } from './record-store.ts';
import type { ReminderIndex } from './reminder-index.ts';
import type { RuntimeSettings } from './runtime-settings.ts';
import { shardOf } from './shard-hash.ts';
import type { HeldLease } from './shard-lease.ts';

export interface OwnedShard {
  readonly shard: number;
  lease: HeldLease;
  /** `handing-over`: refuses new messages while the ones accepted finish. */
  status: 'active' | 'handing-over';
  readonly activations: Set<Activation>;
  subscription: Subscription | undefined;
  /** Wake-ups for passivated actors with reminders, by actor key. */
  readonly wakes: Map<string, TimerHandle>;
}

export interface DeliveryOptions {
  readonly ask: boolean;
  readonly idempotencyKey: string | undefined;
  readonly deadline: number | undefined;
  /** The sender's word that the message only reads: answered at once when the actor is idle (read-now.ts). */
  readonly readOnly?: boolean;
  /**
   * Sent by typed code in this process (the Router), not decoded from the bus. A local read
   * answered at delivery then reads the message as it is, undecoded: a read keeps nothing of
   * it, and decoding copied and re-checked the principal on every read (~10% of an embedded
   * REST read, and the copy missed the per-principal grants cache). A message that must take a
   * turn is decoded like any other.
   */
  readonly local?: boolean;
}

/** What the one door reports, when a tracer is set. */
export interface TraceEvent {
  readonly phase: 'accepted' | 'refused' | 'completed' | 'failed';
  readonly ref: ActorRef;
  readonly type: string;
  readonly error?: RavelError;
}

export class ShardHost implements ActivationHost {
  readonly owned = new Map<number, OwnedShard>();
  private readonly live = new Map<string, Map<string, Activation>>();
  private activationCount = 0;
  private readonly unsubscribing = new Set<Promise<void>>();

  constructor(
    readonly clock: Clock,
    readonly log: Logger,
    readonly sender: ActorSender,
    readonly records: RecordStore,
    readonly reminderIndex: ReminderIndex,
    readonly metrics: ActorMetrics,
    readonly settings: RuntimeSettings,
    private readonly kinds: ReadonlyMap<string, AnyActorKind>,
    private readonly trace: ((e: TraceEvent) => void) | undefined,
  ) {}

  get activations(): number {
    return this.activationCount;
  }

  /**
   * Queues a message for a local actor. Answers undefined when accepted (the reply comes through
   * `reply`), or the refusal: retryable `not-owner` when this node does not serve the shard,
   * MAILBOX_FULL, or the kind's decode error.
   */
  deliver(ref: ActorRef, kind: AnyActorKind, raw: unknown, fromVersion: number, o: DeliveryOptions, reply: ReplyFn): RavelError | undefined {
    let act = this.live.get(ref.kind)?.get(ref.id);
    const shard = act?.shard ?? shardOf(ref.kind, ref.id, this.settings.shards);
    const owned = this.owned.get(shard);
    if (owned === undefined || owned.status !== 'active' || this.clock.now() >= owned.lease.validUntil) {
      return notOwner(shard);
    }
    let readNow = o.readOnly === true && o.idempotencyKey === undefined;
    if (readNow && o.local === true && act !== undefined) {
      if (this.readAsSent(ref, act, raw as ActorMessage, o, reply)) return undefined;
      readNow = false; // not a pure read, or not idle: it takes a turn, and the handler is not run twice here
    }
    let msg: ActorMessage;
    try {
      msg = kind.decodeMessage(raw, fromVersion);
    } catch (e) {
      return this.refuse(ref, typeOf(raw), toRavelError(e, 'DECODE_FAILED'));
    }
    act ??= this.activate(ref, kind, owned);
    const d = this.delivery(ref, msg, o, reply);
    if (readNow && this.answeredAtDelivery(ref, act, d)) return undefined;
    const counter = d.counter;
    if (!act.enqueue(d)) {
      counter.refused++;
      return this.refuse(ref, msg.type, new RavelError('MAILBOX_FULL', `mailbox of ${refString(ref)} is full`, { details: { capacity: this.settings.mailboxCapacity } }), true);
    }
    counter.accepted++;
    this.trace?.({ phase: 'accepted', ref, type: msg.type });
    return undefined;
  }

  private delivery(ref: ActorRef, msg: ActorMessage, o: DeliveryOptions, reply: ReplyFn): MessageDelivery {
    return {
      type: 'message',
      msg,
      ask: o.ask,
      idempotencyKey: o.idempotencyKey,
      deadline: o.deadline,
      reply: this.trace === undefined ? reply : this.traced(ref, msg.type, reply),
      counter: this.metrics.counter(ref.kind, msg.type),
      acceptedAt: performance.now(),
    };
  }

  /**
   * A local read answered during this call (ActorSender.readNow), counted and traced as any
   * message; undefined when the actor is not live and idle here, or the read is not pure.
   */
  readNow(ref: ActorRef, msg: ActorMessage): ReadNow<unknown> | undefined {
    const act = this.live.get(ref.kind)?.get(ref.id);
    if (act === undefined) return undefined;
    const owned = this.owned.get(act.shard);
    if (owned === undefined || owned.status !== 'active' || this.clock.now() >= owned.lease.validUntil) return undefined;
    let answer: ReadNow<unknown> | undefined;
    const o = { ask: true, idempotencyKey: undefined, deadline: undefined, readOnly: true, local: true };
    const answered = this.readAsSent(ref, act, msg, o, (error, value) => {
      answer = error === undefined ? { ok: true, value } : { ok: false, error };
    });
    return answered ? answer : undefined;
  }

  /** A local read of a live, idle actor, answered with the message as sent; false when it must be decoded and queued. */
  private readAsSent(ref: ActorRef, act: Activation, msg: ActorMessage, o: DeliveryOptions, reply: ReplyFn): boolean {
    return this.answeredAtDelivery(ref, act, this.delivery(ref, msg, o, reply));
  }

  /** A read answered by an idle actor during delivery (read-now.ts), counted and traced as accepted. */
  private answeredAtDelivery(ref: ActorRef, act: Activation, d: MessageDelivery): boolean {
    if (!act.answerRead(d)) return false;
    d.counter.accepted++;
    this.trace?.({ phase: 'accepted', ref, type: d.msg.type });
    return true;
  }

  /** Wakes an actor whose reminder is due, activating it when it is not live. */
  wake(ref: ActorRef): void {
    const kind = this.kinds.get(ref.kind);
    const shard = shardOf(ref.kind, ref.id, this.settings.shards);
    const owned = this.owned.get(shard);
    if (kind === undefined || owned === undefined || owned.status !== 'active') return;
    const act = this.live.get(ref.kind)?.get(ref.id) ?? this.activate(ref, kind, owned);
    act.queueWake();
  }

  /** Arms a wake-up for a passivated actor's (or an indexed actor's) earliest reminder. */
  scheduleWake(owned: OwnedShard, ref: ActorRef, dueAt: number): void {
    const key = actorKey(ref);
    const old = owned.wakes.get(key);
    if (old !== undefined) this.clock.clearTimeout(old);
    const handle = this.clock.setTimeout(() => {
      owned.wakes.delete(key);
      this.wake(ref);
    }, Math.max(0, dueAt - this.clock.now()));
    owned.wakes.set(key, handle);
  }

  /** Passivates what has been idle long enough; its reminders are handed to a shard wake-up. */
  sweepIdle(): void {
    const now = this.clock.now();
    for (const owned of this.owned.values()) {
      for (const act of owned.activations) {
        if (!act.passivateIfIdle(now, this.settings.passivateAfterMs)) continue;
        this.forget(act);
        this.metrics.passivations++;
        const due = earliestDue(act.reminders);
        if (due !== undefined) this.scheduleWake(owned, act.ref, due);
      }
    }
  }

  /** Stops serving a shard that is lost: everything waiting gets a retryable error. */
  loseShard(shard: number, why: string): void {
    const owned = this.owned.get(shard);
    if (owned === undefined) return;
    this.owned.delete(shard);
    for (const t of owned.wakes.values()) this.clock.clearTimeout(t);
    owned.wakes.clear();
    for (const act of [...owned.activations]) act.drop(retryable(`shard ${shard} lost: ${why}`, 'shard-lost', { shard }));
    void this.unsubscribe(owned);
  }

  /**
   * Hands a shard over: refuses new messages, lets every accepted one finish its turn and its
   * write, then forgets the activations. Answers the lease for the caller to release, or
   * undefined when the shard was lost meanwhile.
   */
  async quiesce(shard: number): Promise<HeldLease | undefined> {
    const owned = this.owned.get(shard);
    if (owned === undefined) return undefined;
    owned.status = 'handing-over';
    for (const t of owned.wakes.values()) this.clock.clearTimeout(t);
    owned.wakes.clear();
    // No new turns start (messages are refused, reminders held): the turns under way end, each
    // bounded by its asks' deadlines. Actors retrying failed reminders took turns one after
    // another and held a hand-over forever (a partition chaos run: a shard served by nobody).
    for (const act of owned.activations) act.holdReminders();
    const giveUpAt = this.clock.now() + QUIESCE_TURNS_FACTOR * this.settings.askTimeoutMs;
    for (;;) {
      const busy = [...owned.activations].filter((a) => a.isBusy);
      if (busy.length === 0) break;
      const left = giveUpAt - this.clock.now();
      if (left <= 0) {
        // A turn stuck past every deadline: its activation goes, unwritten; the next owner
        // fences it out when it claims the record, and the senders retry there.
        this.log.warn({ shard, busy: busy.length }, 'hand-over: turns still running; their activations are dropped');
        for (const act of busy) act.drop(retryable('the shard was handed over during the turn', 'handed-over'));
        break;
      }
      const stop = new AbortController();
      await Promise.race([Promise.all(busy.map((a) => a.whenIdle())), this.clock.sleep(left, stop.signal).catch(() => undefined)]);
      stop.abort();
    }
    for (const act of [...owned.activations]) {
      act.passivateIfIdle(Number.POSITIVE_INFINITY, 0);
      this.forget(act);
    }
    if (this.owned.get(shard) !== owned) return undefined;
    this.owned.delete(shard);
    // The lease goes only once the bus routes nothing more here: the next owner's subscription
    // must not share the subject with one that has stopped answering.
    await this.unsubscribe(owned);
    return owned.lease;
  }

  onDropped(act: { readonly key: string; readonly ref: ActorRef }, error: RavelError, mayHaveReminders: boolean): void {
    if (!(act instanceof Activation)) return;
    this.forget(act);
    // A load or a write that failed (the store out of reach for a moment) took the reminder timer
    // with it; the durable record still holds the reminders, and no message may ever come to
    // activate the actor again, so wake it from that record shortly. A fenced activation has a
    // newer owner, and a lost shard is not ours to wake.
    const owned = this.owned.get(act.shard);
    if (!mayHaveReminders || error.code === 'FENCED' || owned === undefined || owned.status !== 'active' || owned.lease.epoch !== act.epoch) return;
    if (!owned.wakes.has(act.key)) this.scheduleWake(owned, act.ref, this.clock.now() + this.settings.reminderRetryMs);
  }

  private activate(ref: ActorRef, kind: AnyActorKind, owned: OwnedShard): Activation {
    const act = new Activation(ref, actorKey(ref), owned.shard, owned.lease.epoch, kind, this);
    let byId = this.live.get(ref.kind);
    if (byId === undefined) this.live.set(ref.kind, (byId = new Map<string, Activation>()));
    byId.set(ref.id, act);
    owned.activations.add(act);
    this.activationCount++;
    const wake = owned.wakes.get(act.key);
    if (wake !== undefined) {
      // The activation arms its own reminder timer once loaded.
      this.clock.clearTimeout(wake);
      owned.wakes.delete(act.key);
    }
    void act.load();
    return act;
  }

  private forget(act: Activation): void {
    const byId = this.live.get(act.ref.kind);
    if (byId?.get(act.ref.id) !== act) return;
    byId.delete(act.ref.id);
    this.owned.get(act.shard)?.activations.delete(act);
    this.activationCount--;
  }

  /** Resolves when every shard subscription dropped so far is gone from the bus. */
  async unsubscribed(): Promise<void> {
    while (this.unsubscribing.size > 0) await Promise.all(this.unsubscribing);
  }

  private unsubscribe(owned: OwnedShard): Promise<void> {
    const sub = owned.subscription;
    owned.subscription = undefined;
    if (sub === undefined) return Promise.resolve();
    const p: Promise<void> = sub
      .unsubscribe()
      .catch((e: unknown) => this.log.warn({ err: e, shard: owned.shard }, 'shard unsubscribe failed'))
      .finally(() => this.unsubscribing.delete(p));
    this.unsubscribing.add(p);
    return p;
  }

  private refuse(ref: ActorRef, type: string, error: RavelError, counted = false): RavelError {
    if (!counted) this.metrics.counter(ref.kind, type).refused++;
    this.trace?.({ phase: 'refused', ref, type, error });
    return error;
  }

  private traced(ref: ActorRef, type: string, reply: ReplyFn): ReplyFn {
    return (error, value) => {
      this.trace?.(error === undefined ? { phase: 'completed', ref, type } : { phase: 'failed', ref, type, error });
      reply(error, value);
    };
  }
}

/** A hand-over waits this many ask timeouts at most for the turns under way to end. */
const QUIESCE_TURNS_FACTOR = 3;

export function notOwner(shard: number): RavelError {
  return retryable(`this node does not serve shard ${shard}`, 'not-owner', { shard });
}

function typeOf(raw: unknown): string {
  const t = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  return typeof t === 'string' && t.length <= 64 ? t : '$invalid';
}

