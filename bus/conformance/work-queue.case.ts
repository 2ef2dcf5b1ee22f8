/** Conformance cases: durable work-queue consumers (ack, redelivery, nak, term, limits, position). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Bus, Consumer, WorkMessage, WorkQueueOptions } from '../bus.ts';
import { bytes, eventually, settle, text, uniq, waitFor, withFixture, type FixtureFactory } from './fixture.ts';

/** Short, but long enough for a real server to deliver and for the test to act within it. */
export const ACK_WAIT_MS = 600;

async function workStream(bus: Bus, n: number, retention: 'limits' | 'workqueue' = 'workqueue'): Promise<string> {
  const s = uniq();
  await bus.streams.ensure({ name: s, subjects: [`${s}.jobs.>`], retention });
  for (let i = 1; i <= n; i++) await bus.streams.publish(`${s}.jobs.${i}`, bytes(`job${i}`));
  return s;
}

function consume(
  bus: Bus,
  stream: string,
  options: Partial<WorkQueueOptions>,
  onMsg: (m: WorkMessage) => Promise<void>,
): { got: WorkMessage[]; consumer: Promise<Consumer> } {
  const got: WorkMessage[] = [];
  const consumer = bus.streams.consume(stream, { consumer: 'worker', ackWaitMs: ACK_WAIT_MS, ...options }, async (m) => {
    got.push(m);
    await onMsg(m);
  });
  return { got, consumer };
}

export function workQueueCases(setup: FixtureFactory): void {
  it('hands out each job once in order and removes it when acknowledged', withFixture(setup, async ({ bus }) => {
    const s = await workStream(bus, 3);
    const { got, consumer } = consume(bus, s, {}, (m) => m.ack());
    await waitFor('three jobs', () => got.length === 3);
    await eventually('the acked jobs removed', async () => (await bus.streams.info(s)).messages === 0);
    await (await consumer).stop();
    assert.deepEqual(got.map((m) => [text(m.data), m.deliveryCount]), [['job1', 1], ['job2', 1], ['job3', 1]]);
  }));

  it('delivers again after ackWait when not acknowledged', withFixture(setup, async (fx) => {
    const s = await workStream(fx.bus, 1);
    const { got, consumer } = consume(fx.bus, s, {}, async (m) => {
      if (m.deliveryCount > 1) await m.ack();
    });
    await waitFor('first delivery', () => got.length === 1);
    await fx.advance(ACK_WAIT_MS + 100);
    await waitFor('second delivery', () => got.length === 2);
    assert.deepEqual(got.map((m) => [m.seq, m.deliveryCount]), [[1, 1], [1, 2]]);
    await (await consumer).stop();
  }));

  it('delivers again at once after nak, and only after the delay of nak(delay)', withFixture(setup, async (fx) => {
    const s = await workStream(fx.bus, 1);
    const { got, consumer } = consume(fx.bus, s, { ackWaitMs: 5000 }, async (m) => {
      if (m.deliveryCount === 1) await m.nak();
      else if (m.deliveryCount === 2) await m.nak(ACK_WAIT_MS);
      else await m.ack();
    });
    await waitFor('nak, then redelivery', () => got.length === 2);
    await fx.advance(ACK_WAIT_MS / 4);
    await settle(100);
    assert.equal(got.length, 2, 'not before the nak delay');
    await fx.advance(ACK_WAIT_MS);
    await waitFor('delivery after the delay', () => got.length === 3);
    assert.deepEqual(got.map((m) => m.deliveryCount), [1, 2, 3]);
    await (await consumer).stop();
  }));

  it('gives up after maxDeliver deliveries', withFixture(setup, async (fx) => {
    const s = await workStream(fx.bus, 1);
    const { got, consumer } = consume(fx.bus, s, { maxDeliver: 2 }, async () => undefined);
    await waitFor('first', () => got.length === 1);
    await fx.advance(ACK_WAIT_MS + 100);
    await waitFor('second', () => got.length === 2);
    await fx.advance(ACK_WAIT_MS + 100);
    await fx.advance(ACK_WAIT_MS + 100);
    await settle(150);
    assert.equal(got.length, 2);
    await (await consumer).stop();
  }));

  it('never delivers a terminated message again', withFixture(setup, async (fx) => {
    const s = await workStream(fx.bus, 2);
    const { got, consumer } = consume(fx.bus, s, {}, async (m) => (m.seq === 1 ? m.term() : m.ack()));
    await waitFor('both', () => got.length === 2);
    await fx.advance(ACK_WAIT_MS + 100);
    await settle(150);
    assert.deepEqual(got.map((m) => m.seq), [1, 2]);
    await (await consumer).stop();
  }));

  it('restarts the ack-wait clock on working()', withFixture(setup, async (fx) => {
    const s = await workStream(fx.bus, 1);
    const { got, consumer } = consume(fx.bus, s, {}, async () => undefined);
    await waitFor('first', () => got.length === 1);
    await fx.advance(ACK_WAIT_MS / 2);
    await got[0]?.working();
    await fx.advance((ACK_WAIT_MS * 2) / 3);
    await settle(50);
    assert.equal(got.length, 1, 'working() pushed the redelivery out');
    await got[0]?.ack();
    await fx.advance(ACK_WAIT_MS);
    await settle(100);
    assert.equal(got.length, 1);
    await (await consumer).stop();
  }));

  it('hands out at most maxInFlight unacknowledged messages', withFixture(setup, async ({ bus }) => {
    const s = await workStream(bus, 5);
    const { got, consumer } = consume(bus, s, { maxInFlight: 2 }, async () => undefined);
    await waitFor('two in hand', () => got.length === 2);
    await settle(150);
    assert.equal(got.length, 2);
    await got[0]?.ack();
    await waitFor('a third after one ack', () => got.length === 3);
    await settle(100);
    assert.equal(got.length, 3);
    await (await consumer).stop();
  }));

  it('keeps a durable consumer position across stop and a new consume', withFixture(setup, async ({ bus }) => {
    const s = await workStream(bus, 2, 'limits');
    const first = consume(bus, s, {}, (m) => m.ack());
    await waitFor('both', () => first.got.length === 2);
    await settle(50);
    await (await first.consumer).stop();
    await bus.streams.publish(`${s}.jobs.3`, bytes('job3'));
    const second = consume(bus, s, {}, (m) => m.ack());
    await waitFor('the new one', () => second.got.length === 1);
    await settle(100);
    assert.deepEqual(second.got.map((m) => text(m.data)), ['job3']);
    await (await second.consumer).stop();
  }));
}
