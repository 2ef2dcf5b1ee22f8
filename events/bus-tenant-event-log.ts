/** The tenant event log on the Bus: a durable stream per tenant, appended with expectedLastSeq. */
import type { Bus, StoredMessage } from '../bus/bus.ts';
import { decode, encode } from '../core/codec.ts';
import { RavelError, isRavelError } from '../core/errors.ts';
import type { EventRecord } from '../domain/events.ts';
import { EventRecord as EventRecordSchema } from '../domain/schemas/event.ts';
import { matches } from '../domain/schemas/index.ts';
import { liveSubject, tenantStreamName, tenantSubject, type TenantEventLog } from './tenant-event-log.ts';

export function decodeEventRecord(data: Uint8Array): EventRecord {
  const v = decode(data);
  if (!matches(EventRecordSchema, v)) throw new RavelError('CORRUPT', 'a stored event does not read as an event record');
  return v;
}

export class BusTenantEventLog implements TenantEventLog {
  private readonly ensured = new Set<number>();

  constructor(private readonly bus: Bus) {}

  async append(record: EventRecord): Promise<void> {
    const tenant = record.tenantId;
    await this.ensure(tenant);
    const data = encode(record);
    try {
      await this.bus.streams.publish(tenantSubject(tenant), data, { expectedLastSeq: record.sequence - 1 });
    } catch (e) {
      if (!isRavelError(e, 'CONFLICT')) throw e;
      const there = await this.bus.streams.get(tenantStreamName(tenant), record.sequence);
      if (there === undefined) throw e;
      const stored = decodeEventRecord(there.data);
      if (stored.sequence !== record.sequence || stored.name !== record.name) throw e;
    }
    this.bus.publish(liveSubject(tenant), data);
  }

  async lastSequence(tenantId: number): Promise<number> {
    if (!(await this.exists(tenantId))) return 0;
    return (await this.bus.streams.info(tenantStreamName(tenantId))).lastSeq;
  }

  async *read(tenantId: number, fromSequence = 1): AsyncIterable<EventRecord> {
    const last = await this.lastSequence(tenantId);
    if (last < fromSequence) return;
    const stop = new AbortController();
    try {
      for await (const m of this.bus.streams.replay(tenantStreamName(tenantId), { fromSeq: fromSequence }, stop.signal)) {
        yield decodeEventRecord(m.data);
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
    await this.bus.streams.ensure({ name: tenantStreamName(tenantId), subjects: [tenantSubject(tenantId)], retention: 'limits' });
    this.ensured.add(tenantId);
  }
}
