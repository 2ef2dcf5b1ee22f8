/**
 * Outboxes kept in actor state (tenant-event-log.ts says why). The organization's outbox holds
 * records with their tenant sequence assigned, waiting to be appended. Other actors keep a
 * forwarding outbox: events numbered locally, waiting for the organization to take them; the
 * organization remembers the last local number it took from each source, so a retried hand-over
 * is taken once.
 */
import { appendEvent, type EventName, type EventRecord, type EventStreamHead } from '../domain/events.ts';
import type { SubjectRef } from '../domain/schemas/event.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import type { Reminders } from '../actors/actor-kind.ts';
import type { TenantEventLog } from './tenant-event-log.ts';

/** The reminder that drains an outbox once the turn that filled it has committed. */
export const OUTBOX_REMINDER = 'event-outbox';

/** A change to record, as the actor that made it describes it. */
export interface StagedEvent {
  readonly name: EventName;
  readonly principal: Principal;
  readonly subjects?: readonly SubjectRef[];
  readonly details?: Readonly<Record<string, unknown>>;
  /** When the change happened. */
  readonly time: number;
}

export interface TenantOutbox {
  readonly head: EventStreamHead;
  readonly pending: readonly EventRecord[];
  /** Per source actor, the last local number taken (forwarding outboxes). */
  readonly taken: Readonly<Record<string, number>>;
}

export function newTenantOutbox(tenantId: number): TenantOutbox {
  return { head: { tenantId, nextSequence: 1 }, pending: [], taken: {} };
}

/** Assigns the next sequences to `events` and queues them. */
export function stageEvents(outbox: TenantOutbox, events: readonly StagedEvent[]): TenantOutbox {
  let head = outbox.head;
  const pending = [...outbox.pending];
  for (const e of events) {
    const r = appendEvent(head, e, e.time);
    head = r.head;
    pending.push(r.record);
  }
  return { ...outbox, head, pending };
}

/** Takes a source's forwarded events, skipping those taken before (numbers at or below the mark). */
export function takeForwarded(outbox: TenantOutbox, source: string, events: readonly ForwardedEvent[]): { outbox: TenantOutbox; fresh: ForwardedEvent[] } {
  const mark = outbox.taken[source] ?? 0;
  const fresh = events.filter((e) => e.localSeq > mark).sort((a, b) => a.localSeq - b.localSeq);
  if (fresh.length === 0) return { outbox, fresh };
  const staged = stageEvents(outbox, fresh);
  return { outbox: { ...staged, taken: { ...staged.taken, [source]: fresh[fresh.length - 1]!.localSeq } }, fresh };
}

/** Appends every pending record in order; answers the outbox with those appended removed. */
export async function drainTenantOutbox(outbox: TenantOutbox, log: TenantEventLog): Promise<TenantOutbox> {
  for (const r of outbox.pending) await log.append(r);
  return { ...outbox, pending: [] };
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
