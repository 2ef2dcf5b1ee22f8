/**
 * The per-tenant live feed without sockets: what it publishes to which uWS topic, in what
 * order, and what it does when the live feed skips ahead and the stream fills the gap, lacks it,
 * or cannot be read.
 */
import { test } from 'node:test';
import type { RecognizedString } from '@trufflesuite/uws-js-unofficial';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { silentLogger } from '../../core/log.ts';
import { ALL_EVENTS, NO_EVENTS, type LiveEvent, type LiveEventFilter, type LiveEventSource } from './live-events.ts';
import { MemoryLiveEvents } from './memory-live-events.ts';
import { TenantFeed, type TenantFeedHooks } from './tenant-feed.ts';

const text = (v: RecognizedString): string =>
  typeof v === 'string' ? v : Buffer.from(v instanceof ArrayBuffer ? v : v.buffer, v instanceof ArrayBuffer ? 0 : v.byteOffset, v.byteLength).toString('utf8');

interface Published {
  readonly topic: string;
  readonly seq: number;
}

function feedOver(source: LiveEventSource, hooks: Partial<TenantFeedHooks> = {}) {
  const published: Published[] = [];
  const calls: string[] = [];
  const feed = new TenantFeed('org-1', {
    source,
    log: silentLogger,
    publisher: {
      publish: (topic, message) => {
        published.push({ topic: text(topic), seq: (JSON.parse(text(message)) as { seq: number }).seq });
        return true;
      },
    },
    hooks: {
      published: (seq) => void calls.push(`published ${seq}`),
      lost: (from, to) => void calls.push(`lost ${from}-${to}`),
      failed: () => void calls.push('failed'),
      ...hooks,
    },
  });
  return { feed, published, calls };
}

const kinds = (...k: string[]): Set<string> => new Set(k);

test('each event goes once to each topic set that has one of its kinds, in order', () => {
  const events = new MemoryLiveEvents();
  const { feed, published } = feedOver(events);
  const vms = feed.topicFor(kinds('vms'), ALL_EVENTS) ?? '';
  const both = feed.topicFor(kinds('vms', 'events'), ALL_EVENTS) ?? '';
  assert.equal(feed.topicFor(kinds(), ALL_EVENTS), undefined);
  assert.equal(feed.topicFor(kinds('events', 'vms'), ALL_EVENTS), both, 'named by the set, not the order');
  assert.notEqual(feed.topicFor(kinds('a/b'), ALL_EVENTS), feed.topicFor(kinds('a', 'b'), ALL_EVENTS));
  feed.joined(vms, kinds('vms'), ALL_EVENTS);
  feed.joined(both, kinds('vms', 'events'), ALL_EVENTS);
  feed.joined(both, kinds('vms', 'events'), ALL_EVENTS);
  assert.equal(feed.receive(events.append('org-1', ['events', 'vms'], 1, false)), 3);
  assert.equal(feed.receive(events.append('org-1', ['events'], 2, false)), 2);
  assert.equal(feed.receive({ tenantId: 'org-1', topics: ['events'], seq: 2, data: 2 }), 0, 'a duplicate');
  feed.left(both);
  feed.left(both);
  assert.equal(feed.receive(events.append('org-1', ['events'], 3, false)), 0, 'nobody left on it');
  assert.deepEqual(published, [
    { topic: vms, seq: 1 },
    { topic: both, seq: 1 },
    { topic: both, seq: 2 },
  ]);
  assert.equal(feed.published, 3);
});

test('a filtered topic set gets only the events its filter sees, decided once per event and key however many topics share it', () => {
  const events = new MemoryLiveEvents();
  const { feed, published } = feedOver(events);
  let asked = 0;
  const only = (app: string): LiveEventFilter => ({
    kind: 'some',
    key: `app ${app}`,
    sees: (e) => {
      asked++;
      return (e.data as { app?: string }).app === app;
    },
  });
  const a = feed.topicFor(kinds('events'), only('a')) ?? '';
  const aVms = feed.topicFor(kinds('vms', 'events'), only('a')) ?? '';
  const b = feed.topicFor(kinds('events'), only('b')) ?? '';
  const all = feed.topicFor(kinds('events'), ALL_EVENTS) ?? '';
  assert.equal(new Set([a, aVms, b, all]).size, 4, 'a topic per kinds and key');
  assert.equal(feed.topicFor(kinds('events'), NO_EVENTS), undefined, 'no topic for a principal that sees no events');
  feed.joined(a, kinds('events'), only('a'));
  feed.joined(a, kinds('events'), only('a'));
  feed.joined(aVms, kinds('vms', 'events'), only('a'));
  feed.joined(b, kinds('events'), only('b'));
  feed.joined(all, kinds('events'), ALL_EVENTS);
  assert.equal(feed.receive(events.append('org-1', ['events', 'vms'], { app: 'a' }, false)), 4);
  assert.equal(asked, 2, 'once for key a, once for key b');
  assert.equal(feed.receive(events.append('org-1', ['events'], { app: 'b' }, false)), 2);
  assert.deepEqual(published, [
    { topic: a, seq: 1 },
    { topic: aVms, seq: 1 },
    { topic: all, seq: 1 },
    { topic: b, seq: 2 },
    { topic: all, seq: 2 },
  ]);
});

test('a live event past a gap waits while the stream fills it; events meanwhile follow, none twice', async () => {
  const events = new MemoryLiveEvents();
  const { feed, published, calls } = feedOver(events);
  feed.joined(feed.topicFor(kinds('events'), ALL_EVENTS) ?? '', kinds('events'), ALL_EVENTS);
  feed.receive(events.append('org-1', ['events'], 1, false));
  events.append('org-1', ['events'], 2, false);
  events.append('org-1', ['events'], 3, false);
  feed.receive(events.append('org-1', ['events'], 4, false));
  assert.deepEqual(published.map((p) => p.seq), [1], 'held');
  feed.receive(events.append('org-1', ['events'], 5, false));
  feed.receive({ tenantId: 'org-1', topics: ['events'], seq: 3, data: 3 }); // late, during the fill
  for (let i = 0; i < 20; i++) await tick();
  assert.deepEqual(published.map((p) => p.seq), [1, 2, 3, 4, 5]);
  assert.deepEqual(calls, [1, 2, 3, 4, 5].map((s) => `published ${s}`));
});

/** A stream that no longer holds its first `trimmed` events, or cannot be read at all. */
function brokenSource(inner: MemoryLiveEvents, how: { trimmed?: number; fails?: boolean }): LiveEventSource {
  return {
    subscribe: (l) => inner.subscribe(l),
    lastSequence: (t) => inner.lastSequence(t),
    async *resume(tenantId: string, fromSeq: number): AsyncIterable<LiveEvent> {
      if (how.fails === true) throw new Error('stream unavailable');
      yield* inner.resume(tenantId, Math.max(fromSeq, (how.trimmed ?? 0) + 1));
    },
  };
}

test('when the stream no longer holds the gap, its clients are told to start again and the feed goes on', async () => {
  const events = new MemoryLiveEvents();
  const { feed, published, calls } = feedOver(brokenSource(events, { trimmed: 3 }));
  feed.joined(feed.topicFor(kinds('events'), ALL_EVENTS) ?? '', kinds('events'), ALL_EVENTS);
  feed.receive(events.append('org-1', ['events'], 1, false));
  events.append('org-1', ['events'], 2, false);
  events.append('org-1', ['events'], 3, false);
  feed.receive(events.append('org-1', ['events'], 4, false));
  for (let i = 0; i < 20; i++) await tick();
  assert.deepEqual(calls, ['published 1', 'lost 2-3', 'published 4']);
  assert.deepEqual(published.map((p) => p.seq), [1, 4]);
});

test('when the stream cannot be read, its clients are told and the feed goes on after what it held', async () => {
  const events = new MemoryLiveEvents();
  const { feed, published, calls } = feedOver(brokenSource(events, { fails: true }));
  feed.joined(feed.topicFor(kinds('events'), ALL_EVENTS) ?? '', kinds('events'), ALL_EVENTS);
  feed.receive(events.append('org-1', ['events'], 1, false));
  events.append('org-1', ['events'], 2, false);
  feed.receive(events.append('org-1', ['events'], 3, false));
  for (let i = 0; i < 20; i++) await tick();
  assert.deepEqual(calls, ['published 1', 'failed']);
  assert.equal(feed.published, 3);
  feed.receive(events.append('org-1', ['events'], 4, false));
  assert.deepEqual(published.map((p) => p.seq), [1, 4]);
});
