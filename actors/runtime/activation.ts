/**
 * One live actor: its state, its mailbox and its turn loop. Turns run one at a time; the turns
 * of a batch (whatever waited in the mailbox, up to `maxTurnsPerCommit`) share one durable
 * write, and their replies are released only once that write has resolved (group commit per
 * actor). A turn that throws leaves nothing; a write that fails drops the activation.
 */
import type { TimerHandle } from '../../core/clock.ts';
import { RavelError, toRavelError } from '../../core/errors.ts';
import type { ActorRef, AnyActorKind, Reminder } from '../actor-kind.ts';
import { refString } from './actor-address.ts';
import type { ActivationHost } from './activation-host.ts';
import { type IdempotencyEntry } from './actor-record.ts';
import { commitActivation } from './activation-commit.ts';
import { settle, wake, type Delivery, type MessageDelivery } from './delivery.ts';
import { retryable } from './envelope.ts';
import { isRecordFull } from './record-room.ts';
import { Mailbox } from './mailbox.ts';
import { readNow } from './read-now.ts';
import { TurnContext, type ReminderMap } from './turn-context.ts';

export type ActivationStatus = 'loading' | 'idle' | 'running' | 'dropped';

/** A turn's answer held until its batch is written; `ran` when the turn ran (not a repeat's memo). */
type Held = readonly [d: MessageDelivery, err: RavelError | undefined, value: unknown, ran: boolean];

const noReminders: ReminderMap = new Map();

export class Activation {
  status: ActivationStatus = 'loading';
  state: unknown;
  reminders: ReminderMap = noReminders;
  idempotency: Map<string, IdempotencyEntry> | undefined;
  /** The durable revision this activation last read or wrote; 0 before the first write. */
  revision = 0;
  /** The due time the reminder index holds for this actor, if any. */
  indexedDue: number | undefined;
  lastActive: number;
  readonly mailbox: Mailbox<Delivery>;
  /** After a reminder turn fails, due reminders wait until then before they are tried again. */
  private reminderBackoffUntil = 0;
  private scheduled = false;
  private wakeQueued = false;
  private timer: TimerHandle | undefined;
  private idleWaiters: Array<() => void> | undefined;
  /** Whether each turn is written on its own: the record is near the store's limit (record-room.ts). */
  private oneByOne: boolean;
  /** What the batch being run started from, to take it back if its record would be too large. */
  private batchState: unknown;
  private batchReminders: ReminderMap = noReminders;
  private batchTurns = 0;
  private batchKeys: string[] | undefined;
  private batchFiredReminders = false;
  private remindersHeld = false;

  constructor(
    readonly ref: ActorRef,
    readonly key: string,
    readonly shard: number,
    readonly epoch: number,
    readonly kind: AnyActorKind,
    readonly host: ActivationHost,
  ) {
    this.mailbox = new Mailbox(host.settings.mailboxCapacity);
    this.lastActive = host.clock.now();
    this.oneByOne = host.records.room.oneTurnAtATime(key, this.lastActive);
  }

  /** Claims the durable record and reads the state; messages wait in the mailbox meanwhile. */
  async load(): Promise<void> {
    try {
      const claimed = await this.host.records.claim(this.key, this.epoch);
      if (this.status === 'dropped') return;
      const rec = claimed.record;
      if (rec === undefined) {
        this.state = this.kind.initialState(this.ref.id);
      } else {
        this.state = this.kind.decodeState(rec.state, rec.schemaVersion);
        if (rec.reminders.length > 0) this.reminders = new Map(rec.reminders.map((r) => [r.name, r]));
        if (rec.idempotency.length > 0) this.idempotency = new Map(rec.idempotency.map((k) => [k.key, k]));
        this.indexedDue = earliestDue(this.reminders);
      }
      this.revision = claimed.revision;
      this.status = 'idle';
      this.host.metrics.activationsStarted++;
      this.armReminderTimer();
      this.schedule();
      this.notifyIdle();
    } catch (e) {
      this.drop(toRavelError(e));
    }
  }

  /** Queues a delivery; false when the mailbox is full. */
  enqueue(d: Delivery): boolean {
    if (!this.mailbox.push(d)) return false;
    this.schedule();
    return true;
  }

  /**
   * Answers a read-only ask at once when nothing runs or waits (see read-now.ts for why that
   * keeps reads serial and on committed state); false when it must queue as usual.
   */
  answerRead(d: MessageDelivery): boolean {
    if (this.status !== 'idle' || !this.mailbox.isEmpty) return false;
    const r = readNow(this, d.msg, this.host.clock, this.host.log);
    if (r === undefined) return false;
    this.lastActive = this.host.clock.now();
    this.host.metrics.readsAnsweredAtOnce++;
    if (r.ok) settle(d, undefined, r.value);
    else settle(d, toRavelError(r.error), undefined);
    return true;
  }

  /** Stops this activation: whatever waits is answered with `error`, and nothing more is written. */
  drop(error: RavelError): void {
    if (this.status === 'dropped') return;
    const mayHaveReminders = this.status === 'loading' || this.reminders.size > 0 || this.indexedDue !== undefined;
    this.status = 'dropped';
    if (error.code === 'FENCED') {
      this.host.metrics.fenced++;
      this.host.log.warn({ actor: refString(this.ref), epoch: this.epoch, code: error.code }, 'activation fenced: a newer activation owns the record');
    }
    this.disarmReminderTimer();
    for (const d of this.mailbox.drain()) if (d.type === 'message') settle(d, error, undefined);
    this.host.onDropped(this, error, mayHaveReminders);
    this.notifyIdle();
  }

  /** True, and dropped quietly, when idle long enough with nothing waiting. */
  passivateIfIdle(now: number, afterMs: number): boolean {
    if (this.status !== 'idle' || !this.mailbox.isEmpty || now - this.lastActive < afterMs) return false;
    this.status = 'dropped';
    this.disarmReminderTimer();
    return true;
  }

  get isBusy(): boolean {
    return this.status === 'running' || this.status === 'loading' || (this.status !== 'dropped' && !this.mailbox.isEmpty);
  }

  /** Resolves once nothing runs or waits (or the activation is dropped). */
  whenIdle(): Promise<void> {
    if (!this.isBusy) return Promise.resolve();
    return new Promise((resolve) => (this.idleWaiters ??= []).push(resolve));
  }

  private notifyIdle(): void {
    if (this.idleWaiters === undefined || this.isBusy) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = undefined;
    for (const w of waiters) w();
  }

  private schedule(): void {
    if (this.scheduled || this.status !== 'idle' || this.mailbox.isEmpty) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (this.status !== 'idle') return;
      this.status = 'running';
      this.run().catch((e: unknown) => this.drop(toRavelError(e)));
    });
  }

  private async run(): Promise<void> {
    while (this.status === 'running' && !this.mailbox.isEmpty) {
      const max = this.oneByOne ? 1 : this.host.settings.maxTurnsPerCommit;
      const held: Held[] = [];
      let dirty = false;
      this.beginBatch();
      for (let n = 0; n < max && this.status === 'running'; n++) {
        const d = this.mailbox.shift();
        if (d === undefined) break;
        // A plain switch, not ts-pattern: a matcher per message halved throughput on this path.
        let r: boolean | Promise<boolean>;
        switch (d.type) {
          case 'message':
            r = this.turn(d, held, dirty);
            break;
          case 'wake':
            // A reminder's turn may act outside the actor (an outbox hands its events over): it
            // must see only written state, so what this batch changed before it is written first.
            if (dirty) {
              if (!(await this.commitBatch(held))) return;
              held.length = 0;
              dirty = false;
              this.beginBatch();
            }
            r = this.fireDueReminders();
            break;
          default:
            r = unreachable(d);
        }
        const changed = typeof r === 'boolean' ? r : await r;
        dirty ||= changed;
      }
      if (dirty) {
        if (!(await this.commitBatch(held))) return;
      } else if (this.status !== 'running') {
        for (const [d] of held) settle(d, retryable('activation stopped before its write', 'dropped'), undefined);
        return;
      } else {
        for (const [d, err, value] of held) settle(d, err, value);
      }
    }
    if (this.status === 'running') {
      this.status = 'idle';
      this.lastActive = this.host.clock.now();
      this.schedule();
      this.notifyIdle();
    }
  }

  private beginBatch(): void {
    this.batchState = this.state;
    this.batchReminders = this.reminders;
    this.batchTurns = 0;
    this.batchKeys = undefined;
    this.batchFiredReminders = false;
  }

  /**
   * Writes what the batch changed and releases its held answers; false when the activation
   * stopped or the write failed (the answers then carry the error, and the activation is dropped).
   * A batch whose record would be too large is taken back instead, and the activation goes on.
   */
  private async commitBatch(held: Held[]): Promise<boolean> {
    if (this.status !== 'running') {
      for (const [d] of held) settle(d, retryable('activation stopped before its write', 'dropped'), undefined);
      return false;
    }
    let recordBytes: number;
    try {
      recordBytes = await commitActivation(this, held.length);
    } catch (e) {
      const err = toRavelError(e);
      if (isRecordFull(err) && this.status === 'running') {
        this.takeBackBatch(held, err);
        return true;
      }
      for (const [d] of held) settle(d, err, undefined);
      this.drop(err.code === 'FENCED' ? err : retryable('activation dropped after a failed write', 'dropped'));
      return false;
    }
    if (this.oneByOne) this.oneByOne = this.host.records.room.stillOneByOne(this.key, recordBytes);
    this.armReminderTimer();
    for (const [d, err, value] of held) settle(d, err, value);
    return true;
  }

  /**
   * The batch's record would pass the store's limit: its changes are taken back (state is never
   * changed in place, so the batch's starting state is whole), and the turns that ran are
   * refused; of several, each is tried again on its own (record-room.ts).
   */
  private takeBackBatch(held: Held[], full: RavelError): void {
    const { clock, log, records, settings, metrics } = this.host;
    metrics.batchesOverfull++;
    const now = clock.now();
    const answer = records.room.overfull(this.key, this.batchTurns, full, now);
    if (answer !== full) this.oneByOne = true;
    this.state = this.batchState;
    this.reminders = this.batchReminders;
    if (this.batchKeys !== undefined) for (const k of this.batchKeys) this.idempotency?.delete(k);
    log.warn({ actor: refString(this.ref), turns: this.batchTurns, ...full.details }, 'a batch would overfill the actor record; taken back');
    if (this.batchFiredReminders) {
      // No one retries a reminder but the actor: it fires again after the usual pause, not at once.
      log.error({ actor: refString(this.ref) }, 'a reminder turn would overfill the actor record; it is tried again later');
      this.reminderBackoffUntil = now + settings.reminderRetryMs;
    }
    this.armReminderTimer();
    // A turn that ran changed nothing it can keep; a repeat's memo or a refusal stands as it was.
    for (const [d, err, value, ran] of held) settle(d, ran ? answer : err, ran ? undefined : value);
  }

  /**
   * One message's turn. Answers now when nothing is pending a write, else holds the answer.
   * Synchronous when the handler is, and free of per-message closures: this is the hot path.
   */
  private turn(d: MessageDelivery, held: Held[], dirtyBefore: boolean): boolean | Promise<boolean> {
    if (d.deadline !== undefined && this.host.clock.now() > d.deadline) {
      return this.out(d, held, dirtyBefore, new RavelError('TIMEOUT', 'the ask waited in the mailbox past its deadline'), undefined, false);
    }
    const key = d.idempotencyKey;
    const earlier = key === undefined ? undefined : this.idempotency?.get(key);
    if (earlier !== undefined) return this.out(d, held, dirtyBefore, undefined, earlier.reply, false);
    const ctx = this.context();
    let value: unknown;
    try {
      value = this.kind.handle(ctx, d.msg);
    } catch (e) {
      return this.out(d, held, dirtyBefore, toRavelError(e), undefined, false);
    }
    if (!isThenable(value)) return this.finish(d, held, dirtyBefore, ctx, value);
    return Promise.resolve(value).then(
      (v) => this.finish(d, held, dirtyBefore, ctx, v),
      (e: unknown) => this.out(d, held, dirtyBefore, toRavelError(e), undefined, false),
    );
  }

  /** Takes a finished turn's changes and the idempotency key with its reply. */
  private finish(d: MessageDelivery, held: Held[], dirtyBefore: boolean, ctx: TurnContext<unknown>, value: unknown): boolean {
    if (this.status !== 'running') {
      return this.out(d, held, dirtyBefore, retryable('activation stopped during its turn', 'dropped'), undefined, false);
    }
    let dirty = this.apply(ctx);
    const key = d.idempotencyKey;
    if (key !== undefined) {
      (this.idempotency ??= new Map()).set(key, { key, at: this.host.clock.now(), reply: value ?? null });
      (this.batchKeys ??= []).push(key);
      dirty = true;
    }
    this.batchTurns++;
    return this.out(d, held, dirtyBefore || dirty, undefined, value, true) || dirty;
  }

  /** Answers now, or holds the answer until the batch's write when anything in it is unwritten. */
  private out(d: MessageDelivery, held: Held[], hold: boolean, err: RavelError | undefined, value: unknown, ran: boolean): boolean {
    if (hold) held.push([d, err, value, ran]);
    else settle(d, err, value);
    return false;
  }

  /** Fires every reminder that is due, each as a turn; its commit removes or reschedules it. */
  private async fireDueReminders(): Promise<boolean> {
    this.wakeQueued = false;
    const now = this.host.clock.now();
    if (now < this.reminderBackoffUntil) {
      this.armReminderTimer();
      return false;
    }
    const due = [...this.reminders.values()].filter((r) => r.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    let dirty = false;
    for (const r of due) {
      if (this.reminders.get(r.name) !== r || this.status !== 'running') continue;
      const counter = this.host.metrics.counter(this.kind.name, '$reminder');
      const started = performance.now();
      const ctx = this.context();
      ctx.reminders.cancel(r.name);
      try {
        if (this.kind.onReminder !== undefined) await this.kind.onReminder(ctx, r);
      } catch (e) {
        counter.done(started, false);
        this.host.log.warn({ err: e, actor: refString(this.ref), reminder: r.name }, 'reminder turn failed; retrying later');
        this.reminderBackoffUntil = now + this.host.settings.reminderRetryMs;
        this.armReminderTimer();
        continue;
      }
      counter.done(started, true);
      if (this.status !== 'running') return dirty;
      this.batchTurns++;
      this.batchFiredReminders = true;
      dirty = this.apply(ctx) || dirty;
    }
    // A timer may fire a millisecond before the clock says the reminder is due: with nothing
    // fired and nothing to write (whose commit re-arms), the timer is armed again here, or the
    // reminder would wait for the next message, maybe forever.
    if (!dirty) this.armReminderTimer();
    return dirty;
  }

  private context(): TurnContext<unknown> {
    const { clock, log, sender } = this.host;
    return new TurnContext(this.ref, this.state, this.reminders, clock, log, sender);
  }

  /** Takes a finished turn's changes; true when there is something to write. */
  private apply(ctx: TurnContext<unknown>): boolean {
    let dirty = false;
    if (ctx.stateChanged) {
      this.state = ctx.state;
      dirty = true;
    }
    const reminders = ctx.remindersChanged();
    if (reminders !== undefined) {
      this.reminders = reminders;
      dirty = true;
    }
    return dirty;
  }

  armReminderTimer(): void {
    this.disarmReminderTimer();
    const due = earliestDue(this.reminders);
    if (due === undefined || this.status === 'dropped' || this.remindersHeld) return;
    const { clock } = this.host;
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.queueWake();
    }, Math.max(0, due - clock.now(), this.reminderBackoffUntil - clock.now()));
  }

  private disarmReminderTimer(): void {
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Fires no more reminders here: its shard is being handed over, and the hand-over waits for
   * its turns to end (the new owner wakes its reminders from the durable record and index).
   */
  holdReminders(): void {
    this.remindersHeld = true;
    this.disarmReminderTimer();
  }

  /** Wakes the actor to fire due reminders; a full mailbox defers the wake-up a little. */
  queueWake(): void {
    if (this.wakeQueued || this.status === 'dropped' || this.remindersHeld) return;
    if (this.enqueue(wake)) this.wakeQueued = true;
    else this.retryWakeLater();
  }

  private retryWakeLater(): void {
    this.disarmReminderTimer();
    this.timer = this.host.clock.setTimeout(() => {
      this.timer = undefined;
      this.queueWake();
    }, this.host.settings.reminderRetryMs);
  }
}

export function earliestDue(reminders: ReminderMap): number | undefined {
  let min: number | undefined;
  for (const r of reminders.values()) if (min === undefined || r.dueAt < min) min = r.dueAt;
  return min;
}

function unreachable(d: never): never {
  throw new RavelError('INTERNAL', `unknown delivery ${JSON.stringify(d)}`);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

export type { Reminder };
