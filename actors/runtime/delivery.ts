/**
 * What waits in a mailbox: a message with the way to answer its sender, or a wake-up that tells
 * the actor to fire its due reminders. Replies go through `settle`, the one exit of every
 * message, which counts it and measures its latency.
 */
import type { RavelError } from '../../core/errors.ts';
import type { ActorMessage } from '../actor-kind.ts';
import type { MessageCounter } from './metrics.ts';

/** Answers the sender: an error, or the turn's result (ignored for tells). */
export type ReplyFn = (error: RavelError | undefined, value: unknown) => void;

export interface MessageDelivery {
  readonly type: 'message';
  readonly msg: ActorMessage;
  readonly ask: boolean;
  readonly idempotencyKey: string | undefined;
  /** On the receiver's clock; an ask still queued after it is answered TIMEOUT, not run. */
  readonly deadline: number | undefined;
  readonly reply: ReplyFn;
  readonly counter: MessageCounter;
  /** performance.now() at acceptance. */
  readonly acceptedAt: number;
}

export interface WakeDelivery {
  readonly type: 'wake';
}

export type Delivery = MessageDelivery | WakeDelivery;

export const wake: WakeDelivery = { type: 'wake' };

export const ignoreReply: ReplyFn = () => undefined;

export function settle(d: MessageDelivery, error: RavelError | undefined, value: unknown): void {
  d.counter.done(d.acceptedAt, error === undefined);
  d.reply(error, value);
}
