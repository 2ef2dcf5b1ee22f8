/**
 * Counts and latencies of every message, per actor kind and message type, as plain data: the
 * gateway renders a snapshot at /metrics without this module knowing Prometheus' text format.
 */

/** Upper bounds of the latency buckets, in microseconds; the last bucket is everything above. */
export const latencyBucketsUs: readonly number[] = [
  50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000, 5_000_000,
];

export interface HistogramSnapshot {
  readonly bucketsUs: readonly number[];
  /** counts[i]: observations <= bucketsUs[i] (not cumulative); the last entry is the overflow. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sumUs: number;
}

export class Histogram {
  private readonly counts = new Array<number>(latencyBucketsUs.length + 1).fill(0);
  private count = 0;
  private sumUs = 0;

  observe(us: number): void {
    let i = 0;
    while (i < latencyBucketsUs.length && us > (latencyBucketsUs[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.count++;
    this.sumUs += us;
  }

  snapshot(): HistogramSnapshot {
    return { bucketsUs: latencyBucketsUs, counts: [...this.counts], count: this.count, sumUs: this.sumUs };
  }
}

/** The figures of one message type of one kind, on the node that ran the turns. */
export interface MessageStats {
  readonly kind: string;
  readonly type: string;
  /** Taken into a mailbox. */
  readonly accepted: number;
  /** Refused at the door: full mailbox, bad message, not the owner. */
  readonly refused: number;
  readonly completed: number;
  readonly failed: number;
  /** From acceptance to the reply (after the commit when the turn changed state). */
  readonly latency: HistogramSnapshot;
}

export interface ActorMetricsSnapshot {
  readonly nodeId: string;
  readonly messages: readonly MessageStats[];
  readonly activations: number;
  readonly ownedShards: number;
  /** Durable record writes: their count and latency; `turns` counts the turns they carried. */
  readonly commits: HistogramSnapshot;
  readonly committedTurns: number;
  readonly activationsStarted: number;
  readonly passivations: number;
  readonly fenced: number;
  /** Read-only asks answered at delivery, without a mailbox round (read-now.ts). */
  readonly readsAnsweredAtOnce: number;
  /** Batches taken back because their record would not fit the record store (record-room.ts). */
  readonly batchesOverfull: number;
}

/** The one interface the gateway reads. */
export interface ActorMetricsSource {
  metrics(): ActorMetricsSnapshot;
}

export class MessageCounter {
  accepted = 0;
  refused = 0;
  completed = 0;
  failed = 0;
  readonly latency = new Histogram();

  constructor(
    readonly kind: string,
    readonly type: string,
  ) {}

  done(startedAt: number, ok: boolean): void {
    if (ok) this.completed++;
    else this.failed++;
    this.latency.observe((performance.now() - startedAt) * 1000);
  }
}

export class ActorMetrics {
  private readonly byKind = new Map<string, Map<string, MessageCounter>>();
  readonly commits = new Histogram();
  committedTurns = 0;
  activationsStarted = 0;
  passivations = 0;
  fenced = 0;
  readsAnsweredAtOnce = 0;
  batchesOverfull = 0;

  /** The counter of a kind and type; two map lookups, no string building, on the hot path. */
  counter(kind: string, type: string): MessageCounter {
    let types = this.byKind.get(kind);
    if (types === undefined) this.byKind.set(kind, (types = new Map<string, MessageCounter>()));
    let c = types.get(type);
    if (c === undefined) types.set(type, (c = new MessageCounter(kind, type)));
    return c;
  }

  snapshot(nodeId: string, activations: number, ownedShards: number): ActorMetricsSnapshot {
    const messages: MessageStats[] = [];
    for (const types of this.byKind.values()) {
      for (const c of types.values()) {
        const { kind, type, accepted, refused, completed, failed } = c;
        messages.push({ kind, type, accepted, refused, completed, failed, latency: c.latency.snapshot() });
      }
    }
    return {
      nodeId,
      messages,
      activations,
      ownedShards,
      commits: this.commits.snapshot(),
      committedTurns: this.committedTurns,
      activationsStarted: this.activationsStarted,
      passivations: this.passivations,
      fenced: this.fenced,
      readsAnsweredAtOnce: this.readsAnsweredAtOnce,
      batchesOverfull: this.batchesOverfull,
    };
  }
}
