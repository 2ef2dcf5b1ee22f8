/**
 * The bridge hands every stored host report to its actor: one the actor cannot take yet (its
 * shard moving, TIMEOUT) is tried again until taken, one refused for good is skipped, and the
 * reports after either still arrive, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import { EmbeddedBus } from '../../bus/embedded/embedded-bus.ts';
import type { ActorMessage, ActorRef, ActorSender } from '../../actors/actor-kind.ts';
import { ensureHvxStreams } from '../host-provisioning.ts';
import { hvxSubjects, writeStatus } from '../protocol.ts';
import { HvxBridge } from './hvx-bridge.ts';

/** Refuses by script: `plan[key]` lists the errors to throw before taking the message. */
class ScriptedActors implements ActorSender {
  readonly taken: string[] = [];
  attempts = 0;
  constructor(private readonly plan: Map<string, RavelError[]>) {}
  ask<R>(): Promise<R> {
    return Promise.reject(new RavelError('INTERNAL', 'the bridge only tells'));
  }
  tell<M extends ActorMessage>(ref: ActorRef, msg: M, options?: { idempotencyKey?: string }): Promise<void> {
    this.attempts++;
    const key = `${ref.id}/${String((msg as { vmKey?: string }).vmKey)}`;
    const next = this.plan.get(key)?.shift();
    if (next !== undefined) return Promise.reject(next);
    this.taken.push(`${key}@${options?.idempotencyKey ?? ''}`);
    return Promise.resolve();
  }
}

test('a report refused for now is retried until taken; one refused for good is skipped; order holds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-bridge-'));
  const bus = new EmbeddedBus({ dir, clock: systemClock });
  try {
    await ensureHvxStreams(bus);
    const timeout = (): RavelError => new RavelError('TIMEOUT', 'shard moving');
    const actors = new ScriptedActors(
      new Map([
        ['7/1', [timeout(), timeout(), new RavelError('UNAVAILABLE', 'no owner yet')]],
        ['8/1', [new RavelError('NOT_FOUND', 'no application 8')]],
      ]),
    );
    const report = (vmId: string): Uint8Array => writeStatus({ host: 'h1', vmId, state: 'stopped', at: 1 });
    for (const vm of ['a7-1', 'a8-1', 'a9-1']) await bus.streams.publish(hvxSubjects.status('h1'), report(vm));
    const bridge = new HvxBridge({ bus, actors, clock: systemClock });
    await bridge.start();
    const started = Date.now();
    while (actors.taken.length < 2 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
    await bridge.stop();
    assert.deepEqual(actors.taken.map((k) => k.split('@')[0]), ['7/1', '9/1'], 'the retried report, then the one after the skipped one');
    assert.ok(actors.taken.every((k) => /@hvx-status:\d+$/.test(k)), 'each carries its idempotency key');
    assert.equal(actors.attempts, 6, '4 tries of the first, 1 of the skipped, 1 of the last');
    assert.equal(bridge.delivered, 2);
  } finally {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
