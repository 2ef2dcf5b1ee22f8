/**
 * What a handler sees during one turn. Changes are staged here and taken by the activation
 * only when the handler returns: a handler that throws leaves nothing behind.
 */
import type { Clock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { ActorContext, ActorRef, ActorSender, Reminder, Reminders } from '../actor-kind.ts';

export type ReminderMap = ReadonlyMap<string, Reminder>;

/** Reminders as of the start of the turn plus the turn's own sets and cancels. */
export class StagedReminders implements Reminders {
  private next: Map<string, Reminder> | undefined;

  constructor(private readonly base: ReminderMap) {}

  set(name: string, dueAt: number, data?: unknown): void {
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
      throw new RavelError('INVALID_ARGUMENT', 'a reminder name is 1 to 256 characters');
    }
    if (!Number.isFinite(dueAt)) throw new RavelError('INVALID_ARGUMENT', 'a reminder is due at a finite time');
    this.writable().set(name, data === undefined ? { name, dueAt } : { name, dueAt, data });
  }

  cancel(name: string): void {
    if (this.current().has(name)) this.writable().delete(name);
  }

  get(name: string): Reminder | undefined {
    return this.current().get(name);
  }

  list(): readonly Reminder[] {
    return [...this.current().values()];
  }

  /** The reminders after the turn, or undefined when the turn changed none. */
  changed(): ReminderMap | undefined {
    return this.next;
  }

  private current(): ReminderMap {
    return this.next ?? this.base;
  }

  private writable(): Map<string, Reminder> {
    return (this.next ??= new Map(this.base));
  }
}

export class TurnContext<S> implements ActorContext<S> {
  private staged: StagedReminders | undefined;
  private logger: Logger | undefined;
  private current: S;
  stateChanged = false;

  constructor(
    readonly self: ActorRef,
    state: S,
    private readonly baseReminders: ReminderMap,
    readonly clock: Clock,
    private readonly nodeLog: Logger,
    readonly actors: ActorSender,
  ) {
    this.current = state;
  }

  /** A child logger with the actor's ref, made only when a handler logs. */
  get log(): Logger {
    return (this.logger ??= this.nodeLog.child({ actor: `${this.self.kind}/${this.self.id}` }));
  }

  get state(): S {
    return this.current;
  }

  setState(next: S): void {
    this.current = next;
    this.stateChanged = true;
  }

  /** Created on first use: most turns never touch reminders. */
  get reminders(): StagedReminders {
    return (this.staged ??= new StagedReminders(this.baseReminders));
  }

  remindersChanged(): ReminderMap | undefined {
    return this.staged?.changed();
  }
}
