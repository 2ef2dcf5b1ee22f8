/**
 * Outboxes kept in actor state (tenant-event-log.ts says why). The organization's outbox holds
 * its own events (and, rarely, forwarded ones: see org-events.ts) waiting to be appended, each
 * with its origin, and a checkpoint of its stream cursor (tenant-appender.ts). Other actors keep a
 * forwarding outbox: events numbered locally, handed to the organization in one message per
 * reminder firing; the stream holds each event's origin, so a retried hand-over is taken once.
 */
import { appendEvent, type EventName, type EventRecord, type EventStreamHead } from '../domain/events.ts';
import type { SubjectRef } from '../domain/schemas/event.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import type { ActorRef, ActorSender, Reminders } from '../actors/actor-kind.ts';
import { StreamCursor, type Mark, type QueuedEvent } from './tenant-appender.ts';
import type { EventOrigin, TenantEventLog } from './tenant-event-log.ts';

/** The reminder that drains an outbox once the turn that filled it has committed. */
export const OUTBOX_REMINDER = 'event-outbox';

/** The origin of an organization's own events. */
export const OWN_SOURCE = 'organization';

/** A change to record, as the actor that made it describes it. */
export interface StagedEvent {
  readonly name: EventName;
  readonly principal: Principal;
  readonly subjects?: readonly SubjectRef[];
  readonly details?: Readonly<Record<string, unknown>>;
  /** When the change happened. */
  readonly time: number;
}

/**
 * A record waiting in the organization's outbox: queued with its origin (numbered when appended),
 * or, in a record stored before origins were, already numbered.
 */
export type PendingEvent = QueuedEvent | EventRecord;

export interface TenantOutbox {
  /** The checkpoint of the stream cursor: the stream holds at least the records before `nextSequence`. */
  readonly head: EventStreamHead;
  readonly pending: readonly PendingEvent[];
  /**
   * The checkpoint's marks: per origin, the last number the stream holds before `head`; only for
   * origins that may still send (org-events.ts drops a deleted application's).
   */
  readonly taken: readonly Mark[];
  /** The last number given to one of the organization's own events. */
  readonly lastOwnSeq?: number;
}

export function newTenantOutbox(tenantId: number): TenantOutbox {
  return { head: { tenantId, nextSequence: 1 }, pending: [], taken: [] };
}

/** The record an event will be, but for its sequence. INVALID_ARGUMENT for a name not in `eventNames`. */
function queued(tenantId: number, e: StagedEvent, origin: EventOrigin): QueuedEvent {
  const { sequence: _unset, ...record } = appendEvent({ tenantId, nextSequence: 1 }, e, e.time).record;
  return { origin, record };
}

/** Queues the organization's own events, each with the next number of its own origin. */
export function stageEvents(outbox: TenantOutbox, events: readonly StagedEvent[]): TenantOutbox {
  let n = outbox.lastOwnSeq ?? 0;
  const added = events.map((e) => queued(outbox.head.tenantId, e, { source: OWN_SOURCE, seq: ++n }));
  return { ...outbox, pending: [...outbox.pending, ...added], lastOwnSeq: n };
}

/** A source's forwarded events as records to append, in its order, each with its origin. */
export function forwardedQueue(tenantId: number, source: string, events: readonly ForwardedEvent[]): QueuedEvent[] {
  return [...events].sort((a, b) => a.localSeq - b.localSeq).map((e) => queued(tenantId, e, { source, seq: e.localSeq }));
}

/**
 * Queues a source's forwarded events behind those pending, skipping those at or below `mark` (in
 * the stream) or queued already; answers the outbox and the last number of the source it holds.
 */
export function queueForwarded(outbox: TenantOutbox, source: string, events: readonly ForwardedEvent[], mark: number): { outbox: TenantOutbox; held: number } {
  const last = outbox.pending.reduce((m, p) => ('origin' in p && p.origin.source === source ? Math.max(m, p.origin.seq) : m), mark);
  const fresh = forwardedQueue(outbox.head.tenantId, source, events.filter((e) => e.localSeq > last));
  if (fresh.length === 0) return { outbox, held: last };
  return { outbox: { ...outbox, pending: [...outbox.pending, ...fresh] }, held: fresh[fresh.length - 1]!.origin.seq };
}

/** The checkpoint of the cursor, with the marks of the origins `keep` names, kept in the outbox (state that is being written anyway). */
export function withCheckpoint(outbox: TenantOutbox, cursor: StreamCursor, keep?: (source: string) => boolean): TenantOutbox {
  const c = cursor.checkpoint(keep);
  return { ...outbox, head: { tenantId: outbox.head.tenantId, nextSequence: c.nextSequence }, taken: c.taken };
}

/** The cursor the checkpoint describes. */
export function checkpointCursor(outbox: TenantOutbox): StreamCursor {
  return StreamCursor.fromCheckpoint(outbox.head.tenantId, outbox.head.nextSequence, outbox.taken);
}

/**
 * Appends what an outbox of a record stored before origins holds (numbered records, at their
 * sequences), so that its checkpoint becomes true. A no-op for every current outbox.
 */
export async function appendNumbered(outbox: TenantOutbox, log: TenantEventLog): Promise<TenantOutbox> {
  const numbered = outbox.pending.filter((p): p is EventRecord => !('origin' in p));
  if (numbered.length === 0) return outbox;
  for (const r of numbered) await log.append(r);
  return { ...outbox, pending: outbox.pending.filter((p) => 'origin' in p) };
}

/** The queued records of an outbox, in order. */
export function queuedOf(outbox: TenantOutbox): QueuedEvent[] {
  return outbox.pending.filter((p): p is QueuedEvent => 'origin' in p);
}

export interface ForwardedEvent extends StagedEvent {
  readonly localSeq: number;
}

export interface ForwardOutbox {
  readonly lastLocalSeq: number;
  readonly pending: readonly ForwardedEvent[];
}

export const emptyForwardOutbox: ForwardOutbox = { lastLocalSeq: 0, pending: [] };

export function forward(outbox: ForwardOutbox, events: readonly StagedEvent[]): ForwardOutbox {
  let n = outbox.lastLocalSeq;
  const added = events.map((e) => ({ ...e, localSeq: ++n }));
  return { lastLocalSeq: n, pending: [...outbox.pending, ...added] };
}

/** Arms the drain: the reminder fires after this turn's write, and again after a crash. */
export function scheduleDrain(reminders: Reminders, now: number): void {
  if (reminders.get(OUTBOX_REMINDER) === undefined) reminders.set(OUTBOX_REMINDER, now);
}

/** The organization's message that takes forwarded events; it answers the source's last number it holds. */
export interface RecordEventsMsg {
  readonly type: 'recordEvents';
  readonly source: string;
  readonly events: readonly ForwardedEvent[];
}

/** The most events one hand-over carries (the bound of the organization's message schema). */
export const MAX_HANDOVER = 1024;

/**
 * Hands every pending event to the organization, as one batch (in messages of MAX_HANDOVER), and
 * answers the outbox without those it holds. Called from the outbox reminder, after the commit.
 */
export async function handOver(actors: ActorSender, organization: ActorRef, source: string, outbox: ForwardOutbox): Promise<ForwardOutbox> {
  let held = 0;
  for (let i = 0; i < outbox.pending.length; i += MAX_HANDOVER) {
    held = await actors.ask<number, RecordEventsMsg>(organization, { type: 'recordEvents', source, events: outbox.pending.slice(i, i + MAX_HANDOVER) });
  }
  return { ...outbox, pending: outbox.pending.filter((e) => e.localSeq > held) };
}
