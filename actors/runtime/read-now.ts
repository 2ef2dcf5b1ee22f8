/**
 * The read fast path: an ask its sender marks `readOnly`, to a local actor that is idle with an
 * empty mailbox, is answered during delivery, with no mailbox round (no microtask, no async
 * turn loop, no deadline timer). It keeps the runtime's guarantees:
 *
 * - committed state only: an activation is `idle` only between batches. A batch's turns change
 *   `state` while it is `running`, and it returns to `idle` only after their write resolved (a
 *   failed write drops it), so an idle activation's state is exactly what was last written;
 * - serial with turns: the handler runs synchronously, so no turn can start or resume while it
 *   runs; a read during a turn, a batch's write or a loading activation finds it not idle and
 *   queues behind them as any message;
 * - order: a non-empty mailbox means earlier messages are waiting, and the read queues after
 *   them rather than overtake them.
 *
 * A handler that is not a pure read falls back to a normal turn, where it runs again: one that
 * changes state or reminders (its staged changes are dropped unapplied), answers a promise, or
 * tries to send (the sender refuses before anything leaves). So `readOnly` is a hint, never a way
 * to change state outside a turn.
 */
import { RavelError } from '../../core/errors.ts';
import type { ActorMessage, ActorRef, ActorSender, AnyActorKind } from '../actor-kind.ts';
import { TurnContext, type ReminderMap } from './turn-context.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';

/** What a read-only handler gets as `ctx.actors`: any send marks the read as not pure. */
class RefusingSender implements ActorSender {
  tried = false;

  ask<R>(): Promise<R> {
    return this.refuse();
  }

  tell(): Promise<void> {
    return this.refuse();
  }

  private refuse(): never {
    this.tried = true;
    throw new RavelError('INTERNAL', 'a read answered outside the mailbox cannot send');
  }
}

export type ReadOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** What the fast path reads of an activation. */
export interface ReadableActivation {
  readonly ref: ActorRef;
  readonly kind: AnyActorKind;
  readonly state: unknown;
  readonly reminders: ReminderMap;
}

/**
 * Runs `msg`'s handler against the activation's state as a read; undefined when the handler
 * turned out not to be a pure read (the caller then queues the message for a normal turn).
 * The caller has checked that the activation is idle with an empty mailbox.
 */
export function readNow(act: ReadableActivation, msg: ActorMessage, clock: Clock, log: Logger): ReadOutcome | undefined {
  const sender = new RefusingSender();
  const ctx = new TurnContext(act.ref, act.state, act.reminders, clock, log, sender);
  let value: unknown;
  try {
    value = act.kind.handle(ctx, msg);
  } catch (e) {
    return sender.tried ? undefined : { ok: false, error: e };
  }
  if (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function') {
    // Left to settle on its own, its outcome unused: the turn that replaces it answers.
    (value as PromiseLike<unknown>).then(undefined, () => undefined);
    return undefined;
  }
  if (sender.tried || ctx.stateChanged || ctx.remindersChanged() !== undefined) return undefined;
  return { ok: true, value };
}
