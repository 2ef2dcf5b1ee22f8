/**
 * The tenant event stream: every change of a tenant, in order, each with its sequence (from 1,
 * without gaps), its time and the principal who caused it (domain/events.ts makes the records).
 *
 * Who writes: only the organization actor of the tenant appends, so one writer orders the
 * stream. Other actors (applications, and next hosts' reports about a tenant's VMs) hand their
 * events to it (`recordEvents`), from an outbox in their own state.
 *
 * Why nothing is lost between a state commit and the append: an event is first staged in the
 * actor's state, in the same durable write as the change it describes, with its sequence
 * already assigned (the stream head is in the record too). A durable reminder due at once then
 * drains the outbox after the commit; a node that dies in between leaves the outbox and the
 * reminder in the record, and the next activation drains it. Appends are exactly once: each
 * expects the stream's last sequence to be the one before it, and a retry of an append that did
 * land is recognised by reading that sequence back.
 */
import type { EventRecord } from '../domain/events.ts';

export interface TenantEventLog {
  /** Appends `record` at `record.sequence`; a repeat of an append that landed is a no-op. CONFLICT on a gap. */
  append(record: EventRecord): Promise<void>;
  /** The last sequence stored for the tenant; 0 when it has none. */
  lastSequence(tenantId: number): Promise<number>;
  /** Stored records from `fromSequence` up to the end as of the call, in order. */
  read(tenantId: number, fromSequence?: number): AsyncIterable<EventRecord>;
  /** Stored records from `fromSequence`, then each new one as it is appended, until `signal` aborts. */
  follow(tenantId: number, fromSequence: number, signal: AbortSignal): AsyncIterable<EventRecord>;
}

/** One durable stream per tenant: its sequence is the tenant's sequence. */
export const tenantStreamName = (tenantId: number): string => `tenant-events-${tenantId}`;
export const tenantSubject = (tenantId: number): string => `events.${tenantId}`;
/** Where each appended record is also published, best effort, for live fan-out (not captured by the stream). */
export const liveSubject = (tenantId: number): string => `live.events.${tenantId}`;
export const LIVE_SUBJECT_ALL = 'live.events.*';
