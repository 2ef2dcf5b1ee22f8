/**
 * Filtered consumers of one embedded work-queue stream (a consumer per HVX host on the command
 * stream): a message wakes only the consumers whose filter takes it, and a consumer that read
 * past the others' messages starts after them next time. Both were costs that grew with the
 * number of hosts and of messages waiting: every command woke every host's consumer into a
 * write transaction, and each pick decoded the others' messages again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { EmbeddedBus } from './embedded-bus.ts';
import { WorkQueueEngine } from './work-queue.ts';
import type { DurableStore } from './store.ts';

/** Lets LMDB's writes and the deliveries they start run (real time: the bus's clock is not moved). */
const settle = async (until: () => boolean = () => false): Promise<void> => {
  for (let i = 0; i < 100 && !until(); i++) await new Promise((r) => setTimeout(r, 5));
};

async function withBus(body: (bus: EmbeddedBus) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-wqf-'));
  const bus = new EmbeddedBus({ dir, clock: new ManualClock() });
  try {
    await bus.streams.ensure({ name: 'CMD', subjects: ['cmd.*'], retention: 'workqueue' });
    await body(bus);
  } finally {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a message wakes only the consumers whose filter takes it; each gets its own, in order", async (t) => {
  // Calls the real pump and records each call's engine.
  const spy = t.mock.method(WorkQueueEngine.prototype, 'pump');
  const passes = (consumer: string): number =>
    spy.mock.calls.filter((c) => (c.this as { options: { consumer: string } }).options.consumer === consumer).length;
  await withBus(async (bus) => {
    const got = new Map<string, number[]>();
    for (const host of ['h1', 'h2', 'h3']) {
      await bus.streams.consume('CMD', { consumer: host, filterSubject: `cmd.${host}`, ackWaitMs: 60_000, maxInFlight: 4 }, async (m) => {
        got.set(host, [...(got.get(host) ?? []), m.data[0] ?? -1]);
        await m.ack();
      });
    }
    await settle();
    const before = { h2: passes('h2'), h3: passes('h3') };
    for (let i = 0; i < 40; i++) await bus.streams.publish('cmd.h1', new Uint8Array([i]));
    await bus.streams.publish('cmd.h2', new Uint8Array([99]));
    await settle(() => got.get('h1')?.length === 40 && got.get('h2')?.length === 1);
    assert.deepEqual(got.get('h1'), Array.from({ length: 40 }, (_, i) => i));
    assert.deepEqual(got.get('h2'), [99]);
    assert.equal(got.get('h3'), undefined);
    assert.equal(passes('h3') - before.h3, 0, "h3's consumer is not woken by others' messages");
    // Its own message's wake, its ack's and a pass after it: h1's 40 would add 40 more.
    const h2 = passes('h2') - before.h2;
    assert.ok(h2 >= 1 && h2 <= 5, `h2's consumer is woken by its own message, not h1's 40 (${h2} passes)`);
  });
});

test("a consumer that read past the others' messages starts after them next time", async () => {
  await withBus(async (bus) => {
    // h1's consumer is not attached: its messages stay on the stream, in h2's way.
    for (let i = 0; i < 30; i++) await bus.streams.publish('cmd.h1', new Uint8Array([i]));
    const got: number[] = [];
    const c = await bus.streams.consume('CMD', { consumer: 'h2', filterSubject: 'cmd.h2', ackWaitMs: 60_000, maxInFlight: 1 }, async (m) => {
      got.push(m.data[0] ?? -1);
      await m.ack();
    });
    await settle();
    const store = (bus.streams as unknown as { store: DurableStore }).store;
    assert.equal(store.consumers.get(['CMD', 'h2'])?.nextSeq, 31, 'the empty pass moved past the 30 messages of h1');
    await bus.streams.publish('cmd.h2', new Uint8Array([7]));
    await settle(() => got.length === 1);
    assert.deepEqual(got, [7]);
    assert.equal(store.consumers.get(['CMD', 'h2'])?.nextSeq, 32);
    await c.stop();
    // h1 still gets every one of its messages: h2's position is h2's alone.
    const h1: number[] = [];
    await bus.streams.consume('CMD', { consumer: 'h1', filterSubject: 'cmd.h1', ackWaitMs: 60_000, maxInFlight: 8 }, async (m) => {
      h1.push(m.data[0] ?? -1);
      await m.ack();
    });
    await settle(() => h1.length === 30);
    assert.deepEqual(h1, Array.from({ length: 30 }, (_, i) => i));
  });
});
