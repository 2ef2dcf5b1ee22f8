/**
 * The gateway's live source (gateway/live/live-events.ts) from the tenant event streams: each
 * record the organization actor appends is also published on `live.events.<tenant>` (best
 * effort), and fanned out here under its topic, with the tenant sequence as `seq`. The stream is
 * the authority: a client that reconnects, or missed a live message, reads from its last
 * sequence with `resume`, which the LiveEventSource interface does not have yet.
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
  return ['events'];
}

export function liveEventsOf(r: EventRecord): LiveEvent[] {
  return topicsOf(r).map((topic) => ({ tenantId: String(r.tenantId), topic, seq: r.sequence, data: r }));
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
        for (const e of liveEventsOf(decodeEventRecord(m.data))) listener(e);
      } catch (err) {
        this.logger.warn({ err, subject: m.subject }, 'live event dropped');
      }
    });
    return () => void sub.unsubscribe();
  }

  /** A tenant's events from `fromSeq` (the last one a client saw, plus one), then as they come. */
  async *resume(tenantId: number, fromSeq: number, signal: AbortSignal): AsyncIterable<LiveEvent> {
    for await (const r of this.log.follow(tenantId, fromSeq, signal)) yield* liveEventsOf(r);
  }
}
