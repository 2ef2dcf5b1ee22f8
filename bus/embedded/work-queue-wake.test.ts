/**
 * The embedded work queue's wake-up after a pass: a redelivery that comes due while a pass is
 * picking (time moves during its write) must still be delivered, not wait for the next event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type Clock, type TimerHandle } from '../../core/clock.ts';
import { EmbeddedBus } from './embedded-bus.ts';

/** Time that moves `stepMs` each time it is read once `ticking`, as a busy machine's does between two reads. */
class TickingClock implements Clock {
  ticking = false;
  private offset = 0;
  constructor(readonly base: ManualClock, private readonly stepMs: number) {}
  now(): number {
    if (this.ticking) this.offset += this.stepMs;
    return this.base.now() + this.offset;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.base.setTimeout(fn, ms);
  }
  clearTimeout(h: TimerHandle): void {
    this.base.clearTimeout(h);
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.base.sleep(ms, signal);
  }
}

test('a redelivery that comes due during a pass is delivered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-wq-'));
  const base = new ManualClock();
  for (const delay of [5, 15, 25, 35, 45, 55, 65, 75]) {
    const clock = new TickingClock(base, 10);
    const bus = new EmbeddedBus({ dir: join(dir, String(delay)), clock });
    try {
      await bus.streams.ensure({ name: 'Q', subjects: ['q.>'], retention: 'workqueue' });
      let deliveries = 0;
      const c = await bus.streams.consume('Q', { consumer: 'w', ackWaitMs: 60_000, maxInFlight: 4 }, async (m) => {
        deliveries++;
        if (deliveries === 1) {
          clock.ticking = true;
          await m.nak(delay);
        } else await m.ack();
      });
      await bus.streams.publish('q.a', new Uint8Array([1]));
      for (let i = 0; i < 200 && deliveries < 2; i++) {
        await new Promise((r) => setTimeout(r, 2));
        await base.advance(1);
      }
      clock.ticking = false;
      assert.equal(deliveries, 2, `nak(${delay}) then redelivery`);
      await c.stop();
    } finally {
      await bus.close();
    }
  }
  rmSync(dir, { recursive: true, force: true });
});
