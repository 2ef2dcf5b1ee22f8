/** Conformance cases: publish/subscribe, wildcards, queue groups, request/reply, subjects. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decode, encode } from '../../core/codec.ts';
import { bytes, collect, hasCode, settle, text, uniq, waitFor, withFixture, type FixtureFactory } from './fixture.ts';

export function coreCases(setup: FixtureFactory): void {
  it('delivers published data and headers to a subscriber', withFixture(setup, async ({ bus }) => {
    const s = uniq();
    const { msgs } = collect(bus, `${s}.a`);
    await bus.flush();
    bus.publish(`${s}.a`, bytes('hello'), { headers: { 'X-Trace': 'abc' } });
    bus.publish(`${s}.b`, bytes('other'));
    await bus.flush();
    await waitFor('one message', () => msgs.length >= 1);
    await settle(50);
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]?.subject, `${s}.a`);
    assert.equal(text(msgs[0]?.data ?? new Uint8Array()), 'hello');
    assert.equal(msgs[0]?.headers['X-Trace'], 'abc');
  }));

  it('matches * as one token and > as one or more tokens', withFixture(setup, async ({ bus }) => {
    const s = uniq();
    const star = collect(bus, `${s}.*.c`);
    const rest = collect(bus, `${s}.>`);
    await bus.flush();
    for (const subj of [`${s}.b.c`, `${s}.b.x.c`, `${s}.b`, `${s}.q.c`]) bus.publish(subj, bytes(subj));
    await bus.flush();
    await waitFor('all four on >', () => rest.msgs.length === 4);
    await settle(50);
    assert.deepEqual(star.msgs.map((m) => m.subject), [`${s}.b.c`, `${s}.q.c`]);
    assert.deepEqual(rest.msgs.map((m) => m.subject), [`${s}.b.c`, `${s}.b.x.c`, `${s}.b`, `${s}.q.c`]);
  }));

  it('gives each message to one member of a queue group and all to a plain subscriber', withFixture(setup, async ({ bus }) => {
    const s = uniq();
    const a = collect(bus, `${s}.work`, 'workers');
    const b = collect(bus, `${s}.work`, 'workers');
    const all = collect(bus, `${s}.work`);
    await bus.flush();
    for (let i = 0; i < 40; i++) bus.publish(`${s}.work`, bytes(String(i)));
    await bus.flush();
    await waitFor('40 to the group', () => a.msgs.length + b.msgs.length === 40 && all.msgs.length === 40);
    await settle(50);
    const seen = [...a.msgs, ...b.msgs].map((m) => text(m.data)).sort((x, y) => Number(x) - Number(y));
    assert.deepEqual(seen, Array.from({ length: 40 }, (_, i) => String(i)));
    assert.ok(a.msgs.length > 0 && b.msgs.length > 0, 'both members took some');
  }));

  it('stops delivering after unsubscribe', withFixture(setup, async ({ bus }) => {
    const s = uniq();
    const { msgs, sub } = collect(bus, s);
    await bus.flush();
    bus.publish(s, bytes('1'));
    await bus.flush();
    await waitFor('first', () => msgs.length === 1);
    await sub.unsubscribe();
    bus.publish(s, bytes('2'));
    await bus.flush();
    await settle(50);
    assert.equal(msgs.length, 1);
  }));

  it('answers a request with the responder reply', withFixture(setup, async ({ bus }) => {
    const s = uniq();
    bus.subscribe(s, (m) => bus.respond(m, bytes(`re:${text(m.data)}`), { 'X-From': 'responder' }));
    await bus.flush();
    const reply = await bus.request(s, bytes('ping'), { timeoutMs: 2000 });
    assert.equal(text(reply.data), 're:ping');
    assert.equal(reply.headers['X-From'], 'responder');
  }));

  it('fails a request with NO_RESPONDERS at once when nobody listens', withFixture(setup, async ({ bus }) => {
    const started = Date.now();
    await assert.rejects(bus.request(uniq(), bytes('x'), { timeoutMs: 30_000 }), hasCode('NO_RESPONDERS'));
    assert.ok(Date.now() - started < 1000, 'long before the deadline');
  }));

  it('fails a request with TIMEOUT after its deadline when the listener never answers', withFixture(setup, async (fx) => {
    const s = uniq();
    const { msgs } = collect(fx.bus, s);
    await fx.bus.flush();
    const outcome = assert.rejects(fx.bus.request(s, bytes('x'), { timeoutMs: 200 }), hasCode('TIMEOUT'));
    await waitFor('the request to arrive', () => msgs.length === 1);
    await fx.advance(250);
    await outcome;
  }));

  it('refuses respond on a message without a reply subject', withFixture(setup, async ({ bus }) => {
    assert.throws(() => bus.respond({ subject: 'a', data: bytes(''), headers: {}, reply: undefined }, bytes('x')), hasCode('INVALID_ARGUMENT'));
  }));

  it('refuses malformed subjects before sending anything', withFixture(setup, async ({ bus }) => {
    const s = uniq();
    const { msgs } = collect(bus, '>');
    await bus.flush();
    for (const bad of ['', `${s}..a`, `${s}.*`, `${s}.>`, `${s} a`, `.${s}`, `${s}.`]) {
      assert.throws(() => bus.publish(bad, bytes('x')), hasCode('SUBJECT_INVALID'), `publish ${JSON.stringify(bad)}`);
      await assert.rejects(bus.request(bad, bytes('x'), { timeoutMs: 100 }), hasCode('SUBJECT_INVALID'));
      await assert.rejects(bus.streams.publish(bad, bytes('x')), hasCode('SUBJECT_INVALID'));
    }
    assert.throws(() => bus.subscribe(`${s}.>.a`, () => undefined), hasCode('SUBJECT_INVALID'));
    assert.throws(() => bus.subscribe(`${s}.a*`, () => undefined), hasCode('SUBJECT_INVALID'));
    assert.throws(() => bus.publish(s, bytes('x'), { reply: `${s}.*` }), hasCode('SUBJECT_INVALID'));
    await bus.flush();
    await settle(50);
    assert.deepEqual(msgs.filter((m) => m.subject.startsWith(s) || m.subject.startsWith(`.${s}`)), []);
  }));

  it('carries integers up to 2^64-1 through the codec and the bus exactly', withFixture(setup, async ({ bus }) => {
    const s = uniq();
    const value = { a: 2n ** 63n, b: 2n ** 64n - 1n, c: -(2n ** 63n), d: 2 ** 53 - 1 };
    const { msgs } = collect(bus, s);
    await bus.flush();
    bus.publish(s, encode(value));
    await bus.flush();
    await waitFor('the message', () => msgs.length === 1);
    assert.deepEqual(decode(msgs[0]?.data ?? new Uint8Array()), value);
  }));
}
