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
import { retryable } from '../../actors/runtime/envelope.ts';
import { EmbeddedBus } from '../../bus/embedded/embedded-bus.ts';
import type { ActorMessage, ActorRef, ActorSender } from '../../actors/actor-kind.ts';
import { ensureHvxStreams } from '../host-provisioning.ts';
import { hvxSubjects, writeResult, writeStatus, type CommandResult } from '../protocol.ts';
import { waitFor } from '../../bus/conformance/fixture.ts';
import { HvxBridge } from './hvx-bridge.ts';

/** Refuses by script: `plan[key]` lists the errors to throw before taking the message. */
class ScriptedActors implements ActorSender {
  readonly taken: string[] = [];
  attempts = 0;
  constructor(private readonly plan: Map<string, RavelError[]>) {}
  // An ask: answered once the turn is durable, so a failed write is a refusal the bridge sees.
  ask<R, M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M, options?: { idempotencyKey?: string }): Promise<R> {
    this.attempts++;
    const key = `${ref.id}/${String((msg as { vmKey?: string }).vmKey)}`;
    const next = this.plan.get(key)?.shift();
    if (next !== undefined) return Promise.reject(next);
    this.taken.push(`${key}@${options?.idempotencyKey ?? ''}`);
    return Promise.resolve(null as R);
  }
  tell(): Promise<void> {
    return Promise.reject(new RavelError('INTERNAL', 'a tell is done before the turn is durable: the bridge asks'));
  }
}

test('a report refused for now is retried until taken; one refused for good is skipped; one application\'s reports keep their order, another\'s do not wait', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-bridge-'));
  const bus = new EmbeddedBus({ dir, clock: systemClock });
  try {
    await ensureHvxStreams(bus);
    const timeout = (): RavelError => new RavelError('TIMEOUT', 'shard moving');
    const actors = new ScriptedActors(
      new Map([
        ['7/1', [timeout(), timeout(), new RavelError('UNAVAILABLE', 'no owner yet'), retryable('activation dropped after a failed write', 'dropped')]],
        ['8/1', [new RavelError('NOT_FOUND', 'no application 8')]],
      ]),
    );
    const report = (vmId: string): Uint8Array => writeStatus({ host: 'h1', vmId, state: 'stopped', at: 1 });
    for (const vm of ['a7-1', 'a8-1', 'a9-1', 'a7-2']) await bus.streams.publish(hvxSubjects.status('h1'), report(vm));
    const bridge = new HvxBridge({ bus, actors, clock: systemClock });
    await bridge.start();
    const started = Date.now();
    while (actors.taken.length < 3 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
    await bridge.stop();
    assert.deepEqual(actors.taken.map((k) => k.split('@')[0]), ['9/1', '7/1', '7/2'], "application 9's report while 7's first is retried; 7's second after its first");
    assert.ok(actors.taken.every((k) => /@hvx-status:\d+$/.test(k)), 'each carries its idempotency key');
    assert.equal(actors.attempts, 8, '5 tries of the first, 1 of the skipped, 1 each of the others');
    assert.equal(bridge.delivered, 3);
  } finally {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reports that would change nothing are not handed over: a VM starting or stopping, a command other than a define that succeeded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-bridge-'));
  const bus = new EmbeddedBus({ dir, clock: systemClock });
  try {
    await ensureHvxStreams(bus);
    const actors = new ScriptedActors(new Map());
    for (const state of ['starting', 'running', 'stopping', 'stopped', 'failed'] as const) {
      await bus.streams.publish(hvxSubjects.status('h1'), writeStatus({ host: 'h1', vmId: 'a7-1', state, at: 1 }));
    }
    const result = (commandId: string, ok: boolean): CommandResult =>
      ok
        ? { commandId, host: 'h1', at: 1, ok, value: { kind: 'vm', vmId: 'a7-2', state: 'stopped' } }
        : { commandId, host: 'h1', at: 1, ok, error: { code: 'NOT_FOUND', message: 'no VM' } };
    for (const [id, ok] of [['a7-2-define-1', true], ['a7-2-start-2', true], ['a7-2-shutdown-3', true], ['a7-2-start-4', false]] as const) {
      await bus.streams.publish(hvxSubjects.result('h1'), writeResult(result(id, ok)));
    }
    const bridge = new HvxBridge({ bus, actors, clock: systemClock });
    await bridge.start();
    await waitFor('every report seen', () => bridge.delivered + bridge.passed === 9);
    await bridge.stop();
    const told = actors.taken.map((k) => k.split('@')[0]);
    assert.deepEqual(told.filter((k) => k === '7/1').length, 3, 'running, stopped and failed of VM 1');
    // Stream sequences: the five statuses are 1-5, the results 6-9.
    assert.deepEqual(actors.taken.filter((k) => k.startsWith('7/undefined')), ['7/undefined@hvx-result:6', '7/undefined@hvx-result:9'], 'the define and the failed start of VM 2');
    assert.equal(bridge.delivered, 5);
    assert.equal(bridge.passed, 4);
  } finally {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
