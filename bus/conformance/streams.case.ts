/** Conformance cases: durable streams (store, dedup, expected sequence, limits, replay). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decode, encode } from '../../core/codec.ts';
import type { Bus, StoredMessage } from '../bus.ts';
import { bytes, hasCode, text, uniq, waitFor, withFixture, type FixtureFactory } from './fixture.ts';

async function limitsStream(bus: Bus, extra: { maxMessages?: number } = {}): Promise<string> {
  const s = uniq();
  await bus.streams.ensure({ name: s, subjects: [`${s}.>`], retention: 'limits', ...extra });
  return s;
}

export function streamCases(setup: FixtureFactory): void {
  it('stores messages in sequence and reports info, get and NOT_FOUND', withFixture(setup, async ({ bus }) => {
    const s = await limitsStream(bus);
    const acks = [];
    for (const n of ['a', 'b', 'c']) acks.push(await bus.streams.publish(`${s}.${n}`, bytes(n), { headers: { 'X-N': n } }));
    assert.deepEqual(acks.map((a) => [a.stream, a.seq, a.duplicate]), [[s, 1, false], [s, 2, false], [s, 3, false]]);
    assert.deepEqual(await bus.streams.info(s), { firstSeq: 1, lastSeq: 3, messages: 3 });
    const m = await bus.streams.get(s, 2);
    assert.equal(m?.subject, `${s}.b`);
    assert.equal(text(m?.data ?? new Uint8Array()), 'b');
    assert.equal(m?.headers['X-N'], 'b');
    assert.ok(typeof m?.time === 'number' && m.time > 0);
    assert.equal(await bus.streams.get(s, 99), undefined);
    await assert.rejects(bus.streams.publish(`${uniq()}.x`, bytes('x')), hasCode('NOT_FOUND'));
    await assert.rejects(bus.streams.info(uniq()), hasCode('NOT_FOUND'));
    await bus.streams.ensure({ name: s, subjects: [`${s}.>`], retention: 'limits', maxMessages: 100 });
    assert.equal((await bus.streams.info(s)).messages, 3, 'ensure on an existing stream keeps its messages');
    await bus.streams.delete(s);
    await assert.rejects(bus.streams.info(s), hasCode('NOT_FOUND'));
    await assert.rejects(bus.streams.delete(s), hasCode('NOT_FOUND'));
  }));

  it('refuses bad stream names and configs with INVALID_ARGUMENT', withFixture(setup, async ({ bus }) => {
    await assert.rejects(bus.streams.ensure({ name: 'a.b', subjects: ['x'], retention: 'limits' }), hasCode('INVALID_ARGUMENT'));
    await assert.rejects(bus.streams.ensure({ name: uniq(), subjects: [], retention: 'limits' }), hasCode('INVALID_ARGUMENT'));
    await assert.rejects(bus.streams.ensure({ name: uniq(), subjects: ['a..b'], retention: 'limits' }), hasCode('SUBJECT_INVALID'));
    await assert.rejects(bus.streams.ensure({ name: uniq(), subjects: ['a'], retention: 'limits', maxMessages: -1 }), hasCode('INVALID_ARGUMENT'));
  }));

  it('answers a repeated msgId as a duplicate without storing it again', withFixture(setup, async ({ bus }) => {
    const s = await limitsStream(bus);
    const first = await bus.streams.publish(`${s}.x`, bytes('1'), { msgId: 'job-1' });
    const again = await bus.streams.publish(`${s}.x`, bytes('1'), { msgId: 'job-1' });
    const other = await bus.streams.publish(`${s}.x`, bytes('2'), { msgId: 'job-2' });
    assert.deepEqual([first.seq, first.duplicate], [1, false]);
    assert.deepEqual([again.seq, again.duplicate], [1, true]);
    assert.deepEqual([other.seq, other.duplicate], [2, false]);
    assert.equal((await bus.streams.info(s)).messages, 2);
  }));

  it('refuses a publish whose expectedLastSeq is stale with CONFLICT', withFixture(setup, async ({ bus }) => {
    const s = await limitsStream(bus);
    assert.equal((await bus.streams.publish(`${s}.x`, bytes('1'), { expectedLastSeq: 0 })).seq, 1);
    await assert.rejects(bus.streams.publish(`${s}.x`, bytes('2'), { expectedLastSeq: 0 }), hasCode('CONFLICT'));
    assert.equal((await bus.streams.publish(`${s}.x`, bytes('2'), { expectedLastSeq: 1 })).seq, 2);
    const racers = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => bus.streams.publish(`${s}.x`, bytes(`r${i}`), { expectedLastSeq: 2 })),
    );
    assert.equal(racers.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one racer appends');
    assert.deepEqual(await bus.streams.info(s), { firstSeq: 1, lastSeq: 3, messages: 3 });
  }));

  it('drops the oldest messages beyond maxMessages', withFixture(setup, async ({ bus }) => {
    const s = await limitsStream(bus, { maxMessages: 3 });
    for (let i = 1; i <= 5; i++) await bus.streams.publish(`${s}.x`, bytes(String(i)));
    assert.deepEqual(await bus.streams.info(s), { firstSeq: 3, lastSeq: 5, messages: 3 });
    assert.equal(await bus.streams.get(s, 2), undefined);
  }));

  it('replays from a sequence, then follows new messages live', withFixture(setup, async ({ bus }) => {
    const s = await limitsStream(bus);
    for (const n of ['1', '2', '3']) await bus.streams.publish(`${s}.${n === '2' ? 'skip' : 'keep'}`, bytes(n));
    const ac = new AbortController();
    const seen: StoredMessage[] = [];
    const filtered: StoredMessage[] = [];
    const reading = (async () => {
      for await (const m of bus.streams.replay(s, { fromSeq: 2 }, ac.signal)) seen.push(m);
    })();
    const readingFiltered = (async () => {
      for await (const m of bus.streams.replay(s, { filterSubject: `${s}.keep` }, ac.signal)) filtered.push(m);
    })();
    await waitFor('the stored tail', () => seen.length === 2 && filtered.length === 2);
    await bus.streams.publish(`${s}.keep`, bytes('4'));
    await waitFor('the live message', () => seen.length === 3 && filtered.length === 3);
    ac.abort();
    await Promise.all([reading, readingFiltered]);
    assert.deepEqual(seen.map((m) => [m.seq, text(m.data)]), [[2, '2'], [3, '3'], [4, '4']]);
    assert.deepEqual(filtered.map((m) => m.seq), [1, 3, 4]);
  }));

  it('replays with a filter that has a wildcard in the middle', withFixture(setup, async ({ bus }) => {
    const s = await limitsStream(bus);
    for (const sub of ['h1.status', 'h1.snap', 'h2.status', 'h2.deep.status']) await bus.streams.publish(`${s}.${sub}`, bytes(sub));
    const ac = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const m of bus.streams.replay(s, { filterSubject: `${s}.*.status` }, ac.signal)) got.push(text(m.data));
    })();
    await waitFor('the matching messages', () => got.length === 2);
    await bus.streams.publish(`${s}.h3.status`, bytes('h3.status'));
    await waitFor('the live message', () => got.length === 3);
    ac.abort();
    await reading;
    assert.deepEqual(got, ['h1.status', 'h2.status', 'h3.status']);
  }));

  it('ends a replay when its consumer breaks out of the loop', withFixture(setup, async ({ bus }) => {
    const s = await limitsStream(bus);
    for (let i = 0; i < 5; i++) await bus.streams.publish(`${s}.x`, bytes(String(i)));
    const got: number[] = [];
    for await (const m of bus.streams.replay(s)) {
      got.push(m.seq);
      if (got.length === 2) break;
    }
    assert.deepEqual(got, [1, 2]);
  }));

  it('keeps integers up to 2^64-1 exact through a stream', withFixture(setup, async ({ bus }) => {
    const s = await limitsStream(bus);
    const value = { id: 2n ** 64n - 1n, neg: -(2n ** 63n) };
    const ack = await bus.streams.publish(`${s}.x`, encode(value));
    const m = await bus.streams.get(s, ack.seq);
    assert.deepEqual(decode(m?.data ?? new Uint8Array()), value);
  }));
}
