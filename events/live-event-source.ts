/**
 * The gateway's live source (gateway/live/live-events.ts) from the tenant event streams: each
 * record the organization actor appends is also published on `live.events.<tenant>` (best
 * effort), and fanned out here under its topics, with the tenant sequence as `seq`. The stream is
 * the authority: a client that reconnects, or missed a live message, reads from its last
 * sequence with `resume`.
 */
import type { Bus, Subscription } from '../bus/bus.ts';
import type { EventRecord } from '../domain/events.ts';
import type { LiveEvent, LiveEventSource } from '../gateway/live/live-events.ts';
import type { Logger } from '../core/log.ts';
import { decodeEventRecord } from './bus-tenant-event-log.ts';
import { LIVE_SUBJECT_ALL, type TenantEventLog } from './tenant-event-log.ts';

/** Topics a record is shown under: always `events`, and what it is about. */
export function topicsOf(r: EventRecord): string[] {
  if (r.name.startsWith('VM_')) return ['events', 'vms'];
  if (r.name.startsWith('APPLICATION_')) return ['events', 'applications'];
  if (r.name.startsWith('HOST_')) return ['events', 'hosts'];
  return ['events'];
}

export function liveEventOf(r: EventRecord): LiveEvent {
  return { tenantId: String(r.tenantId), topics: topicsOf(r), seq: r.sequence, data: r };
}

/** Tenant ids of the gateway are strings; only an organization's (digits) has a stream. */
function streamOf(tenantId: string): number | undefined {
  return /^[0-9]{1,15}$/.test(tenantId) ? Number(tenantId) : undefined;
}

export class TenantLiveEvents implements LiveEventSource {
  constructor(
    private readonly bus: Bus,
    private readonly log: TenantEventLog,
    private readonly logger: Logger,
  ) {}

  subscribe(listener: (event: LiveEvent) => void): () => void {
    const sub: Subscription = this.bus.subscribe(LIVE_SUBJECT_ALL, (m) => {
      try {
        listener(liveEventOf(decodeEventRecord(m.data)));
      } catch (err) {
        this.logger.warn({ err, subject: m.subject }, 'live event dropped');
      }
    });
    return () => void sub.unsubscribe();
  }

  /** A tenant's stored events from `fromSeq` (the last one a client saw, plus one) to the end as of the call. */
  async *resume(tenantId: string, fromSeq: number): AsyncIterable<LiveEvent> {
    const tenant = streamOf(tenantId);
    if (tenant === undefined) return;
    for await (const r of this.log.read(tenant, Math.max(1, fromSeq))) yield liveEventOf(r);
  }

  async lastSequence(tenantId: string): Promise<number> {
    const tenant = streamOf(tenantId);
    return tenant === undefined ? 0 : this.log.lastSequence(tenant);
  }
}
