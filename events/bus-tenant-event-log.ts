/**
 * The tenant event log on the Bus: a durable stream per tenant, appended with expectedLastSeq,
 * each record's origin in the message headers (so the stream itself says what it holds).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Bus, Headers, StoredMessage } from '../bus/bus.ts';
import { decode, encode } from '../core/codec.ts';
import { RavelError, isRavelError } from '../core/errors.ts';
import type { EventRecord } from '../domain/events.ts';
import { EventRecord as EventRecordSchema } from '../domain/schemas/event.ts';
import { matches } from '../domain/schemas/index.ts';
import { liveSubject, tenantStreamName, tenantSubject, type AppendedOrigin, type EventOrigin, type TenantEventLog } from './tenant-event-log.ts';

const SOURCE_HEADER = 'Ravel-Origin-Source';
const SEQ_HEADER = 'Ravel-Origin-Seq';

function originHeaders(origin: EventOrigin | undefined): Headers | undefined {
  return origin === undefined ? undefined : { [SOURCE_HEADER]: origin.source, [SEQ_HEADER]: String(origin.seq) };
}

/** The origin a stored message carries; undefined for one stored before origins were, or malformed. */
function originOf(m: StoredMessage): EventOrigin | undefined {
  const source = m.headers[SOURCE_HEADER];
  const seq = Number(m.headers[SEQ_HEADER]);
  return source === undefined || !Number.isSafeInteger(seq) || seq < 1 ? undefined : { source, seq };
}

export function decodeEventRecord(data: Uint8Array): EventRecord {
  const v = decode(data);
  if (!matches(EventRecordSchema, v)) throw new RavelError('CORRUPT', 'a stored event does not read as an event record');
  return v;
}

/** How much of its history a tenant's stream keeps (config `events`); nothing is dropped without one. */
export interface EventRetention {
  readonly maxAgeMs: number;
}

export function eventRetention(c: { readonly retentionDays: number }): EventRetention {
  return { maxAgeMs: c.retentionDays * 86_400_000 };
}

export class BusTenantEventLog implements TenantEventLog {
  private readonly ensured = new Set<number>();

  constructor(
    private readonly bus: Bus,
    private readonly retention?: EventRetention,
  ) {}

  async append(record: EventRecord, origin?: EventOrigin): Promise<void> {
    const tenant = record.tenantId;
    await this.ensure(tenant);
    const data = encode(record);
    const headers = originHeaders(origin);
    try {
      await this.bus.streams.publish(tenantSubject(tenant), data, { expectedLastSeq: record.sequence - 1, ...(headers === undefined ? {} : { headers }) });
    } catch (e) {
      if (!isRavelError(e, 'CONFLICT')) throw e;
      // A retry of an append that landed (its acknowledgement lost) finds itself there: done.
      // Anything else at that sequence is another record, and the caller must catch up.
      const there = await this.bus.streams.get(tenantStreamName(tenant), record.sequence);
      if (there === undefined || Buffer.compare(there.data, data) !== 0 || !isDeepStrictEqual(originOf(there), origin)) throw e;
    }
    this.bus.publish(liveSubject(tenant), data);
  }

  async lastSequence(tenantId: number): Promise<number> {
    if (!(await this.exists(tenantId))) return 0;
    return (await this.bus.streams.info(tenantStreamName(tenantId))).lastSeq;
  }

  async *read(tenantId: number, fromSequence = 1): AsyncIterable<EventRecord> {
    for await (const m of this.storedUpToNow(tenantId, fromSequence)) yield decodeEventRecord(m.data);
  }

  async *readOrigins(tenantId: number, fromSequence: number): AsyncIterable<AppendedOrigin> {
    for await (const m of this.storedUpToNow(tenantId, fromSequence)) {
      const origin = originOf(m);
      yield origin === undefined ? { sequence: m.seq } : { sequence: m.seq, origin };
    }
  }

  /** The stored messages from `fromSequence` up to the last one as of the call. */
  private async *storedUpToNow(tenantId: number, fromSequence: number): AsyncIterable<StoredMessage> {
    if (!(await this.exists(tenantId))) return;
    const { lastSeq: last, messages } = await this.bus.streams.info(tenantStreamName(tenantId));
    // With every event past its retention, a replay would wait for the next one.
    if (last < fromSequence || messages === 0) return;
    const stop = new AbortController();
    try {
      for await (const m of this.bus.streams.replay(tenantStreamName(tenantId), { fromSeq: fromSequence }, stop.signal)) {
        yield m;
        if (m.seq >= last) return;
      }
    } finally {
      stop.abort();
    }
  }

  async *follow(tenantId: number, fromSequence: number, signal: AbortSignal): AsyncIterable<EventRecord> {
    await this.ensure(tenantId);
    const replay: AsyncIterable<StoredMessage> = this.bus.streams.replay(tenantStreamName(tenantId), { fromSeq: fromSequence }, signal);
    for await (const m of replay) yield decodeEventRecord(m.data);
  }

  private async exists(tenantId: number): Promise<boolean> {
    if (this.ensured.has(tenantId)) return true;
    try {
      await this.bus.streams.info(tenantStreamName(tenantId));
    } catch (e) {
      if (isRavelError(e, 'NOT_FOUND')) return false;
      throw e;
    }
    await this.ensure(tenantId);
    return true;
  }

  private async ensure(tenantId: number): Promise<void> {
    if (this.ensured.has(tenantId)) return;
    await this.bus.streams.ensure({
      name: tenantStreamName(tenantId),
      subjects: [tenantSubject(tenantId)],
      retention: 'limits',
      ...(this.retention === undefined ? {} : { maxAgeMs: this.retention.maxAgeMs }),
    });
    this.ensured.add(tenantId);
  }
}
