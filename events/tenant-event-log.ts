/**
 * The tenant event stream: every change of a tenant, in order, each with its sequence (from 1,
 * without gaps), its time and the principal who caused it (domain/events.ts makes the records).
 *
 * Who writes: only the organization actor of the tenant appends, so one writer orders the
 * stream. Other actors (applications, the library) hand their events to it (`recordEvents`),
 * from an outbox in their own state.
 *
 * Why nothing is lost or doubled between a state commit and the append: an event is first kept
 * in the state of the actor that made it, in the same durable write as the change it describes,
 * with its origin (the actor and that actor's own number for it). A durable reminder hands the
 * outbox on after the commit; a node that dies in between leaves the outbox and the reminder in
 * the record, and the next activation hands it on again. Each record is stored with its origin
 * beside it, and each append expects the stream's last sequence to be the one before it; an
 * append that finds the stream further on reads the records it missed, learns their origins and
 * skips what is already there (tenant-appender.ts). So the stream is the authority on what it
 * holds, and the organization's own memory of it only a hint that may be behind, never wrong.
 */
import type { EventRecord } from '../domain/events.ts';

/** Who made an event, and that actor's own number for it (increasing, one per event). */
export interface EventOrigin {
  readonly source: string;
  readonly seq: number;
}

/** A stored record's position and where it came from (absent on records stored before origins were). */
export interface AppendedOrigin {
  readonly sequence: number;
  readonly origin?: EventOrigin;
}

export interface TenantEventLog {
  /**
   * Appends `record` at `record.sequence`, with its origin beside it. A repeat of an append that
   * landed (the same record and origin stored there) is a no-op; CONFLICT when the stream's last
   * sequence is not `record.sequence - 1` otherwise.
   */
  append(record: EventRecord, origin?: EventOrigin): Promise<void>;
  /** The last sequence stored for the tenant; 0 when it has none. */
  lastSequence(tenantId: number): Promise<number>;
  /** Stored records from `fromSequence` up to the end as of the call, in order. */
  read(tenantId: number, fromSequence?: number): AsyncIterable<EventRecord>;
  /** The origins of the stored records from `fromSequence` up to the end as of the call, in order. */
  readOrigins(tenantId: number, fromSequence: number): AsyncIterable<AppendedOrigin>;
  /** Stored records from `fromSequence`, then each new one as it is appended, until `signal` aborts. */
  follow(tenantId: number, fromSequence: number, signal: AbortSignal): AsyncIterable<EventRecord>;
}

/** One durable stream per tenant: its sequence is the tenant's sequence. */
export const tenantStreamName = (tenantId: number): string => `tenant-events-${tenantId}`;
export const tenantSubject = (tenantId: number): string => `events.${tenantId}`;
/** Where each appended record is also published, best effort, for live fan-out (not captured by the stream). */
export const liveSubject = (tenantId: number): string => `live.events.${tenantId}`;
export const LIVE_SUBJECT_ALL = 'live.events.*';
