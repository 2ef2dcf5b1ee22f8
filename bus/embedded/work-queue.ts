/**
 * One durable work-queue consumer of the embedded bus. Its position (the next sequence never
 * delivered) and every delivered-but-unfinished message (deliveries so far, when it may go out
 * again) live on LMDB, so a reopened bus redelivers what was in hand when it closed. Time is the
 * bus's Clock: a single wake-up timer at the earliest due redelivery.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { WorkMessage, WorkQueueOptions } from '../bus.ts';
import { subjectMatches } from '../subject.ts';
import { removeInTxn } from './stream-log.ts';
import { MAX_SEQ, type DurableStore, type MessageRecord, type PendingKey } from './store.ts';

type Handler = (msg: WorkMessage) => Promise<void>;
type Pick = { seq: number; deliveries: number; msg: MessageRecord } | undefined;

export class WorkQueueEngine {
  private readonly handlers: Handler[] = [];
  private turn = 0;
  /** Messages handed out: seq → when their ack wait ends. */
  private readonly inHand = new Map<number, number>();
  private pumping = false;
  private again = false;
  private wake: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly store: DurableStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    readonly stream: string,
    private options: WorkQueueOptions,
    private readonly workqueueRetention: () => boolean,
  ) {}

  get idle(): boolean {
    return this.handlers.length === 0;
  }

  configure(options: WorkQueueOptions): void {
    this.options = options;
  }

  attach(handler: Handler): () => void {
    this.handlers.push(handler);
    this.pump();
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
      if (this.handlers.length === 0) this.clearWake();
    };
  }

  stop(): void {
    this.stopped = true;
    this.handlers.length = 0;
    this.clearWake();
  }

  /**
   * A message was stored on the stream (subject undefined: something else changed). Only one
   * this consumer's filter takes wakes it: with a consumer per host on one command stream, every
   * command woke every host's consumer into a write transaction and a scan (the embedded node
   * spent ~70% of its time there with 1,000 hosts).
   */
  stored(subject: string | undefined): void {
    const filter = this.options.filterSubject;
    if (subject === undefined || filter === undefined || subjectMatches(filter, subject)) this.pump();
  }

  /** Delivers as much as maxInFlight allows; runs one pass at a time. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pumpLoop()
      .catch((e: unknown) => this.log.error({ err: e, stream: this.stream }, 'work queue delivery failed'))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.pump();
        }
      });
  }

  private async pumpLoop(): Promise<void> {
    const max = this.options.maxInFlight ?? 1;
    for (;;) {
      if (this.stopped || this.handlers.length === 0) return;
      const now = this.clock.now();
      for (const [seq, due] of this.inHand) if (due <= now) this.inHand.delete(seq);
      if (this.inHand.size >= max) break;
      const pick = await this.store.write(() => this.pickInTxn(now));
      if (pick === undefined) break;
      this.inHand.set(pick.seq, now + this.options.ackWaitMs);
      this.deliver(pick.seq, pick.deliveries, pick.msg);
    }
    this.scheduleWake();
  }

  /** Chooses the next message (a due redelivery first, else the next new one) and records it. */
  private pickInTxn(now: number): Pick {
    const { stream, options } = this;
    const key = (seq: number): PendingKey => [stream, options.consumer, seq];
    for (const { key: k, value } of Array.from(this.store.pending.getRange({ start: key(0), end: key(MAX_SEQ) }))) {
      const seq = k[2];
      if (value.deliverAt > now || this.inHand.has(seq)) continue;
      const msg = this.store.messages.get([stream, seq]);
      if (msg === undefined || (options.maxDeliver !== undefined && value.deliveries >= options.maxDeliver)) {
        void this.store.pending.remove(k);
        continue;
      }
      void this.store.pending.put(k, { deliveries: value.deliveries + 1, deliverAt: now + options.ackWaitMs });
      return { seq, deliveries: value.deliveries + 1, msg };
    }
    const rec = this.store.consumers.get([stream, options.consumer]);
    if (rec === undefined) return undefined;
    let passed: number | undefined;
    for (const { key: k, value } of this.store.messages.getRange({ start: [stream, rec.nextSeq], end: [stream, MAX_SEQ] })) {
      const seq = k[1];
      if (rec.filterSubject !== undefined && !subjectMatches(rec.filterSubject, value.subject)) {
        passed = seq;
        continue;
      }
      void this.store.consumers.put([stream, options.consumer], { ...rec, nextSeq: seq + 1 });
      void this.store.pending.put(key(seq), { deliveries: 1, deliverAt: now + options.ackWaitMs });
      return { seq, deliveries: 1, msg: value };
    }
    // Nothing here is this consumer's: start after it next time, as a match would have (the
    // others' messages were read again on every pick, each decoded, for as long as they stayed).
    if (passed !== undefined) void this.store.consumers.put([stream, options.consumer], { ...rec, nextSeq: passed + 1 });
    return undefined;
  }

  private deliver(seq: number, deliveries: number, m: MessageRecord): void {
    const handler = this.handlers[this.turn++ % this.handlers.length];
    if (handler === undefined) return;
    let settled = false;
    const settle = async (fn: () => void): Promise<void> => {
      settled = true;
      this.inHand.delete(seq);
      const written = this.store.write(fn);
      // The next pick is queued behind this write (LMDB runs write transactions in order), so it
      // sees it and is on disk only after it: picking now saves a whole flush per message on a
      // consumer that takes one at a time.
      this.pump();
      await written;
    };
    const pk: PendingKey = [this.stream, this.options.consumer, seq];
    const msg: WorkMessage = {
      stream: this.stream,
      subject: m.subject,
      seq,
      data: m.data,
      headers: m.headers,
      time: m.time,
      deliveryCount: deliveries,
      ack: () =>
        settle(() => {
          void this.store.pending.remove(pk);
          if (this.workqueueRetention()) removeInTxn(this.store, this.stream, seq);
        }),
      term: () => settle(() => void this.store.pending.remove(pk)),
      nak: (delayMs?: number) =>
        settle(() => {
          const p = this.store.pending.get(pk);
          if (p !== undefined) void this.store.pending.put(pk, { ...p, deliverAt: this.clock.now() + (delayMs ?? 0) });
        }),
      working: async () => {
        const due = this.clock.now() + this.options.ackWaitMs;
        if (this.inHand.has(seq)) this.inHand.set(seq, due);
        await this.store.write(() => {
          const p = this.store.pending.get(pk);
          if (p !== undefined) void this.store.pending.put(pk, { ...p, deliverAt: due });
        });
        this.scheduleWake();
      },
    };
    handler(msg).catch(async (e: unknown) => {
      this.log.warn({ err: e, stream: this.stream, seq }, 'work handler failed; delivering again');
      if (!settled) await msg.nak();
    }).catch((e: unknown) => this.log.error({ err: e }, 'work queue nak failed'));
  }

  private scheduleWake(): void {
    this.clearWake();
    if (this.stopped || this.handlers.length === 0) return;
    const { stream, options } = this;
    const now = this.clock.now();
    const room = this.inHand.size < (options.maxInFlight ?? 1);
    let earliest = Infinity;
    for (const { key, value } of this.store.pending.getRange({
      start: [stream, options.consumer, 0],
      end: [stream, options.consumer, MAX_SEQ],
    })) {
      if (value.deliverAt > now) earliest = Math.min(earliest, value.deliverAt);
      // Came due after the pass picked (time moved during its write): pick it now, or it would
      // wait for the next event. Without room, the next settle picks it.
      else if (room && !this.inHand.has(key[2])) earliest = now;
    }
    if (earliest === Infinity) return;
    this.wake = this.clock.setTimeout(() => {
      this.wake = undefined;
      this.pump();
    }, earliest - now);
  }

  private clearWake(): void {
    if (this.wake !== undefined) this.clock.clearTimeout(this.wake);
    this.wake = undefined;
  }
}
