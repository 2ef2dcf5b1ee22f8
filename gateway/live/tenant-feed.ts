/**
 * One tenant's live feed on uWS's native pub/sub: each event of the tenant's stream is
 * serialized once and published, in sequence order and once, to the uWS topics of the tenant's
 * live clients; uWS copies the frame to every subscriber in C++. A client's uWS topic is named
 * by its tenant, its set of topic kinds and the key of what it may see (live-events.ts
 * LiveEventFilter; none for a principal that sees every event), so a client is on exactly one
 * and gets an event once even when the event has several of its kinds. Whether a filtered topic
 * gets an event is decided once per event and key, however many clients the topic has.
 *
 * Live events come best effort: when one skips ahead, the feed holds it and reads the missing
 * ones from the stored stream first (one read for the whole tenant, not one per client).
 */
import type { RecognizedString } from '@trufflesuite/uws-js-unofficial';
import type { Logger } from '../../core/log.ts';
import { stringifyJson } from '../json/big-json.ts';
import { filterSees, organizationOf, type LiveEvent, type LiveEventFilter, type LiveEventSource } from './live-events.ts';

/** What the feed needs of the uWS app. */
export interface LivePublisher {
  publish(topic: RecognizedString, message: RecognizedString, isBinary?: boolean, compress?: boolean): boolean;
}

export interface TenantFeedHooks {
  /** After `seq` went to the topics: clients waiting for it may join. */
  published(seq: number): void;
  /** The stream no longer holds events the topics missed: their clients must start again. */
  lost(from: number, to: number): void;
  /** The stream could not be read to fill a gap. */
  failed(err: unknown): void;
}

interface TopicSet {
  readonly kinds: ReadonlySet<string>;
  readonly events: LiveEventFilter;
  subscribers: number;
}

export class TenantFeed {
  /** The last sequence sent to the topics; undefined until a client joined or an event came. */
  published: number | undefined;
  /** Live events past a gap, by sequence, until the stream fills it. */
  private readonly ahead = new Map<number, LiveEvent>();
  private filling = false;
  private readonly topicSets = new Map<string, TopicSet>();

  constructor(
    private readonly tenantId: string,
    private readonly deps: {
      readonly source: LiveEventSource;
      readonly publisher: LivePublisher;
      readonly log: Logger;
      readonly hooks: TenantFeedHooks;
    },
  ) {}

  /** The uWS topic for a client of this tenant with these kinds that sees `events`; undefined when it gets nothing. */
  topicFor(kinds: ReadonlySet<string>, events: LiveEventFilter): string | undefined {
    if (kinds.size === 0 || events.kind === 'none') return undefined;
    const names = [...kinds].sort().map(encodeURIComponent).join(',');
    const base = `live/${encodeURIComponent(this.tenantId)}/${names}`;
    return events.kind === 'some' ? `${base}/${encodeURIComponent(events.key)}` : base;
  }

  joined(topic: string, kinds: ReadonlySet<string>, events: LiveEventFilter): void {
    const set = this.topicSets.get(topic);
    if (set === undefined) this.topicSets.set(topic, { kinds: new Set(kinds), events, subscribers: 1 });
    else set.subscribers++;
  }

  left(topic: string): void {
    const set = this.topicSets.get(topic);
    if (set !== undefined && --set.subscribers <= 0) this.topicSets.delete(topic);
  }

  /** A live event: published if next in sequence, held while a gap is read from the stream. */
  receive(e: LiveEvent): number {
    this.published ??= e.seq - 1; // nobody is on the topics yet, so nobody misses anything
    if (e.seq <= this.published) return 0; // already sent (read from the stream)
    if (e.seq === this.published + 1 && !this.filling) return this.publish(e);
    this.ahead.set(e.seq, e);
    if (!this.filling) void this.fill();
    return 0;
  }

  private publish(e: LiveEvent): number {
    this.published = e.seq;
    let message: Buffer | undefined;
    let sent = 0;
    // Topics of one key with different kinds share the answer (made only when a topic is filtered).
    let seen: Map<string, boolean> | undefined;
    for (const [topic, set] of this.topicSets) {
      if (!e.topics.some((t) => set.kinds.has(t))) continue;
      if (set.events.kind === 'some') {
        const key = set.events.key;
        seen ??= new Map();
        let ok = seen.get(key);
        if (ok === undefined) seen.set(key, (ok = filterSees(set.events, e)));
        if (!ok) continue;
      }
      // Encoded once: uWS would convert a string to UTF-8 again for every topic.
      message ??= Buffer.from(eventMessage(e));
      this.deps.publisher.publish(topic, message, false, false);
      sent += set.subscribers;
    }
    this.deps.hooks.published(e.seq);
    return sent;
  }

  /** Publishes the held events that now follow on. */
  private publishAhead(): void {
    for (;;) {
      const next = this.ahead.get((this.published ?? 0) + 1);
      if (next === undefined) return;
      this.ahead.delete(next.seq);
      this.publish(next);
    }
  }

  /** Reads the stream from the first missing sequence until the held events follow on. */
  private async fill(): Promise<void> {
    this.filling = true;
    const { source, log, hooks } = this.deps;
    try {
      while (this.ahead.size > 0) {
        const from = (this.published ?? 0) + 1;
        let trimmed = false;
        for await (const s of source.resume(this.tenantId, from)) {
          const published = this.published ?? 0;
          if (s.seq <= published) continue;
          if (s.seq !== published + 1) {
            trimmed = true;
            break;
          }
          this.ahead.delete(s.seq);
          this.publish(s);
          this.publishAhead();
          if (this.ahead.size === 0) break;
        }
        if (this.ahead.size === 0 || (this.published ?? 0) + 1 > from) continue;
        // Nothing read: the stream does not hold what the live feed missed.
        const next = Math.min(...this.ahead.keys());
        if (next > from && trimmed) hooks.lost(from, next - 1);
        else if (next > from) log.warn({ tenant: this.tenantId, from, to: next - 1 }, 'live events missing from the stream');
        this.published = next - 1;
        this.publishAhead();
      }
    } catch (err) {
      // Clients on the topics would miss events: they start again, and so does the feed.
      const last = Math.max(this.published ?? 0, ...this.ahead.keys());
      this.ahead.clear();
      this.published = last;
      hooks.failed(err);
    } finally {
      this.filling = false;
    }
  }
}

export function eventMessage(e: LiveEvent): string {
  return stringifyJson({ op: 'event', organization: organizationOf(e.tenantId), seq: e.seq, topics: e.topics, data: e.data });
}
