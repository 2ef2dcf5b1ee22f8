/**
 * How an actor kind is declared: its state, its messages and its handlers, once. The runtime
 * (actors/runtime/) activates an actor of a kind on its first message, runs one turn at a time,
 * persists its state after each turn that changed it, and passivates it when idle.
 *
 * A kind is the only thing domain code writes; it never sees the grid, the bus or placement.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';

/** An actor's address: its kind and its id, the same from every node. */
export interface ActorRef {
  readonly kind: string;
  readonly id: string;
}

/** Every message is a discriminated union member with a string `type`. */
export interface ActorMessage {
  readonly type: string;
}

export interface AskOptions {
  /** Deadline in ms; the runtime's configured default when absent. */
  timeoutMs?: number;
  /**
   * Commands that must take effect once carry a key: a retry with the same key gets the first
   * reply and changes nothing. Keys are remembered per actor for `idempotencyWindowMs`.
   */
  idempotencyKey?: string;
  /**
   * The message only reads the actor's state: a local idle actor may answer it at once, outside
   * its mailbox (actors/runtime/read-now.ts). A handler that does change anything still gets a turn.
   */
  readOnly?: boolean;
}

/** Sends to other actors, from inside a turn or from outside any actor. */
export interface ActorSender {
  /**
   * Request/reply with a deadline. Rejects with a RavelError (TIMEOUT, MAILBOX_FULL, ...).
   * Generic in the message so that a literal of a kind's union is accepted as it is.
   */
  ask<R = unknown, M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M, options?: AskOptions): Promise<R>;
  /**
   * One way. Resolves once the target's node has accepted the message into the mailbox (so a
   * refused or undeliverable message is an error here, never silently lost); the turn runs later.
   */
  tell<M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M, options?: Omit<AskOptions, 'timeoutMs'>): Promise<void>;
  /**
   * A read-only ask answered here and now, with no await, when it can be: the actor is served by
   * this node, live, idle, with an empty mailbox, and the handler turns out a pure read (the rules
   * of a `readOnly` ask answered at delivery). Undefined when it cannot: the caller then asks.
   * Absent on senders that reach actors only over the bus.
   */
  readNow?<R = unknown, M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M): ReadNow<R> | undefined;
}

/** What `readNow` answers: the handler's value, or the error it threw (a refusal, as an ask's). */
export type ReadNow<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

export interface Reminder {
  readonly name: string;
  /** When it is due, ms since the epoch. */
  readonly dueAt: number;
  /** Small data handed back when it fires. */
  readonly data?: unknown;
}

/** Durable reminders: they fire after crashes and restarts, late but once per firing. */
export interface Reminders {
  /** Sets or replaces the named reminder. Takes effect when the turn commits. */
  set(name: string, dueAt: number, data?: unknown): void;
  cancel(name: string): void;
  get(name: string): Reminder | undefined;
  list(): readonly Reminder[];
}

/** What a handler sees during one turn. */
export interface ActorContext<S> {
  readonly self: ActorRef;
  /** The state as of the start of this turn (or as set earlier in it). */
  readonly state: S;
  /** Replaces the state; written durably before the turn's reply is sent. */
  setState(next: S): void;
  readonly reminders: Reminders;
  readonly clock: Clock;
  readonly log: Logger;
  /** Asking another actor from a turn blocks this actor's turn until the reply. */
  readonly actors: ActorSender;
}

export interface ActorKind<S, M extends ActorMessage, R = unknown> {
  /** Letters, digits and `-`; part of subjects and keys. */
  readonly name: string;
  /** The version of the stored state and the messages; stored beside them. */
  readonly schemaVersion: number;
  /** The state of an actor that has never been written. */
  initialState(id: string): S;
  /**
   * Checks a message from outside the process and narrows it to the union, or throws a
   * RavelError (DECODE_FAILED, INVALID_ARGUMENT). Messages of an older schema version may be
   * upgraded here: `fromVersion` is the sender's.
   */
  decodeMessage(raw: unknown, fromVersion: number): M;
  /**
   * Reads stored state. `fromVersion` may be older than `schemaVersion` during a rolling upgrade:
   * convert it; throw a RavelError when it cannot be read.
   */
  decodeState(stored: unknown, fromVersion: number): S;
  /** One turn. Match on `msg.type` exhaustively with ts-pattern. A throw fails the turn: its state changes are dropped. */
  handle(ctx: ActorContext<S>, msg: M): R | Promise<R>;
  /** A reminder fired. Absent: reminders are only set by kinds that define this. */
  onReminder?(ctx: ActorContext<S>, reminder: Reminder): void | Promise<void>;
}

/** Erases a kind's type parameters for registration; the kind checks its own messages. */
export type AnyActorKind = ActorKind<unknown, ActorMessage, unknown>;

export function defineActorKind<S, M extends ActorMessage, R>(kind: ActorKind<S, M, R>): ActorKind<S, M, R> {
  return kind;
}
