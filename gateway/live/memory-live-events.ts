/**
 * A LiveEventSource kept in memory: per-tenant streams with sequences from 1, published to
 * listeners as appended. The gateway uses an empty one when it is given no source; tests and
 * the fan-out benchmark append to it, and can leave an event out of the live feed (as the bus
 * may) to show that clients fill the gap from the stream.
 */
import { ALL_EVENTS, type LiveEvent, type LiveEventSource, type LiveSnapshotSource } from './live-events.ts';

export class MemoryLiveEvents implements LiveEventSource {
  private readonly streams = new Map<string, LiveEvent[]>();
  /** Per tenant, the last sequence dropped by `expireUpTo`. */
  private readonly expired = new Map<string, number>();
  private readonly listeners = new Set<(event: LiveEvent) => void>();

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async *resume(tenantId: string, fromSeq: number): AsyncIterable<LiveEvent> {
    const stream = this.streams.get(tenantId) ?? [];
    const end = stream.length;
    for (let i = Math.max(0, fromSeq - 1, this.expired.get(tenantId) ?? 0); i < end; i++) {
      await Promise.resolve(); // as a real stream: each record after an await
      const e = stream[i];
      if (e !== undefined) yield e;
    }
  }

  async lastSequence(tenantId: string): Promise<number> {
    return Promise.resolve(this.streams.get(tenantId)?.length ?? 0);
  }

  /** Drops the tenant's events up to `seq`, as a stream's retention does; sequences go on. */
  expireUpTo(tenantId: string, seq: number): void {
    this.expired.set(tenantId, Math.max(seq, this.expired.get(tenantId) ?? 0));
  }

  /** Stores the next event of the tenant's stream and, unless `publish` is false, publishes it. */
  append(tenantId: string, topics: readonly string[], data: unknown, publish = true): LiveEvent {
    let stream = this.streams.get(tenantId);
    if (stream === undefined) this.streams.set(tenantId, (stream = []));
    const event: LiveEvent = { tenantId, topics, seq: stream.length + 1, data };
    stream.push(event);
    if (publish) for (const l of this.listeners) l(event);
    return event;
  }
}

/**
 * A snapshot source with nothing in it, for gateways without a control plane (tests, the
 * benchmark): no permissions to check beyond the organization, so every event is seen.
 */
export const emptySnapshots: LiveSnapshotSource = {
  snapshot: async () => Promise.resolve({ applications: [], hosts: [] }),
  eventFilter: () => ALL_EVENTS,
};
