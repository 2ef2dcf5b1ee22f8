/**
 * The bus's own request mux (nats-requests.ts): each reply reaches its own request when answers
 * come back out of order, a reply after the timeout is dropped, the errors stay typed, and
 * closing the bus fails what still waits. Timeouts and no-responders are in the conformance too.
 */
import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { startNats, type NatsServers } from '../../test/harness/nats.ts';
import { missingNats, needs } from '../../test/harness/requirements.ts';
import type { BusMessage } from '../bus.ts';
import { bytes, hasCode, text, uniq, waitFor } from '../conformance/fixture.ts';
import { NatsBus } from './nats-bus.ts';

let server: Promise<NatsServers> | undefined;
after(async () => {
  if (server !== undefined) await (await server).stop();
});

async function open(): Promise<NatsBus> {
  server ??= startNats();
  return NatsBus.connect({ servers: [...(await server).urls], replicas: 1, callTimeoutMs: 3000 });
}

/** A test body with a bus of its own, closed after it (skipped without NATS). */
function withBus(fn: (bus: NatsBus) => Promise<void>): (t: TestContext) => Promise<void> {
  return async (t) => {
    if (!needs(t, missingNats())) return;
    const bus = await open();
    try {
      await fn(bus);
    } finally {
      await bus.close();
    }
  };
}

describe('NATS request mux', () => {
  it(
    'answers each of many concurrent requests with its own reply, whatever the order',
    withBus(async (bus) => {
      const s = uniq();
      const held: BusMessage[] = [];
      const sub = bus.subscribe(s, (m) => void held.push(m));
      await bus.flush();
      const asks = Array.from({ length: 50 }, (_, i) =>
        bus.request(s, bytes(`q${i}`), { timeoutMs: 10_000 }),
      );
      await waitFor('every request to arrive', () => held.length === 50);
      // Answered last first: a reply must find its own request, not the oldest one.
      for (const m of [...held].reverse()) bus.respond(m, bytes(`a-${text(m.data)}`));
      const replies = await Promise.all(asks);
      assert.deepEqual(
        replies.map((r) => text(r.data)),
        Array.from({ length: 50 }, (_, i) => `a-q${i}`),
      );
      await sub.unsubscribe();
    }),
  );

  it(
    'times out with TIMEOUT, drops the late reply, and keeps answering later requests',
    withBus(async (bus) => {
      const s = uniq();
      const held: BusMessage[] = [];
      const sub = bus.subscribe(s, (m) => {
        if (text(m.data) === 'slow') held.push(m);
        else bus.respond(m, bytes('fast'));
      });
      await bus.flush();
      await assert.rejects(bus.request(s, bytes('slow'), { timeoutMs: 100 }), hasCode('TIMEOUT'));
      bus.respond(held[0] as BusMessage, bytes('too late'));
      const r = await bus.request(s, bytes('now'), { timeoutMs: 5000 });
      assert.equal(text(r.data), 'fast');
      await sub.unsubscribe();
    }),
  );

  it('fails a waiting request with CLOSED when the bus closes, and later ones at once', async (t) => {
    if (!needs(t, missingNats())) return;
    const bus = await open();
    const s = uniq();
    bus.subscribe(s, () => undefined); // listens, never answers
    await bus.flush();
    const waiting = bus.request(s, bytes('x'), { timeoutMs: 30_000 });
    const outcome = assert.rejects(waiting, hasCode('CLOSED'));
    await bus.close();
    await outcome;
    await assert.rejects(bus.request(s, bytes('y'), { timeoutMs: 1000 }), hasCode('CLOSED'));
  });

  it(
    'fails with NO_RESPONDERS when nobody listens, as a typed error and not a reply',
    withBus(async (bus) => {
      await assert.rejects(
        bus.request(uniq(), bytes('x'), { timeoutMs: 30_000 }),
        hasCode('NO_RESPONDERS'),
      );
    }),
  );
});
