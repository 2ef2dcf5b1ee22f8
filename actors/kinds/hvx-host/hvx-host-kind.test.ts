/**
 * Host liveness without durable heartbeats: heartbeats write nothing; a node dying just before a
 * liveness check does not get a host that was heard declared dead; a silent host is declared dead
 * within two windows of its last heartbeat even when its actor is passivated between checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActorKind, type ActorMessage, type AnyActorKind } from '../../actor-kind.ts';
import type { ActorSystem } from '../../runtime/actor-system.ts';
import { TestCluster } from '../../runtime/testing/harness.ts';
import type { HostState } from '../../../domain/host/host-model.ts';
import { hvxHostKind, hvxHostRef, type HvxHostMsg } from './hvx-host-kind.ts';

const DEAD_MS = 10_000;
const HOST = hvxHostRef('h1');

/** A region and an application that only note what the host tells them. */
function listeners(told: string[]): AnyActorKind[] {
  const noting = (name: string): AnyActorKind =>
    defineActorKind<null, ActorMessage, null>({
      name,
      schemaVersion: 1,
      initialState: () => null,
      decodeMessage: (raw) => raw as ActorMessage,
      decodeState: () => null,
      handle(ctx, msg) {
        told.push(`${name}:${msg.type}`);
        return null;
      },
    });
  return [noting('region'), noting('application')];
}

function kinds(told: string[]): AnyActorKind[] {
  return [hvxHostKind({ deadAfterMs: DEAD_MS, releaseIdleAfterMs: Number.POSITIVE_INFINITY }), ...listeners(told)];
}

/** A host registered with one VM reserved, so its death is told to that VM's application. */
async function registered(tc: TestCluster, sys: ActorSystem): Promise<void> {
  await tc.drive(sys.ask<unknown, HvxHostMsg>(HOST, { type: 'register', region: 'r1', capacity: { cpus: 8, memoryMb: 8192 } }));
  await tc.drive(sys.ask<unknown, HvxHostMsg>(HOST, { type: 'reserveMany', applicationId: 5, vms: [{ vmKey: 'vm1', cpus: 1, memoryMb: 512 }] }));
}

/** Heartbeats every second for `forMs` of clock time, as the bridge sends them (lost ones ignored). */
async function beat(tc: TestCluster, sys: () => ActorSystem, forMs: number): Promise<void> {
  const end = tc.clock.now() + forMs;
  while (tc.clock.now() < end) {
    sys().tell<HvxHostMsg>(HOST, { type: 'heartbeat', at: tc.clock.now() }).catch(() => undefined);
    await tc.advance(Math.min(1000, end - tc.clock.now()), 100);
  }
}

const commits = (sys: ActorSystem): number => sys.metrics().commits.count;

test('heartbeats write nothing; the liveness check writes the last one heard with its reminder', async () => {
  const tc = new TestCluster();
  const told: string[] = [];
  try {
    const a = await tc.start('a', kinds(told));
    await registered(tc, a);
    const before = commits(a);
    await beat(tc, () => a, DEAD_MS - 2000);
    assert.equal(commits(a), before, 'eight heartbeats, no write');
    const heard = tc.clock.now() - 1000;
    await beat(tc, () => a, 4000);
    assert.equal(commits(a), before + 1, 'one write: the check, re-armed');
    const h = await tc.drive(a.ask<HostState, HvxHostMsg>(HOST, { type: 'get' }));
    assert.equal(h.status, 'UP');
    assert.ok(h.lastHeartbeat > heard, 'get answers the last heartbeat heard');
    assert.deepEqual(told, []);
  } finally {
    await tc.close();
  }
});

test('a node dying just before a check: the host it heard is not declared dead by the next node', async () => {
  const tc = new TestCluster();
  const told: string[] = [];
  try {
    const a = await tc.start('a', kinds(told));
    const t0 = tc.clock.now();
    await registered(tc, a);
    // Checks at about 10 s (which writes the heartbeat of about 9 s) and 19 s; a dies at 18.5 s,
    // and the heartbeats sent while b takes over are lost (the bridge's tells fail): b wakes the
    // host for its overdue check before it hears anything, the stored heartbeat over a window old.
    await beat(tc, () => a, t0 + 18_500 - tc.clock.now());
    await tc.drive(a.halt());
    let b: ActorSystem | undefined;
    const started = tc.start('b', kinds(told)).then((s) => (b = s));
    // No heartbeat reaches b until it has run the overdue check.
    const checked = (): boolean => (b?.metrics().messages.find((m) => m.kind === 'hvx-host' && m.type === '$reminder')?.completed ?? 0) > 0;
    await tc.until(checked, 30_000, 100);
    await started;
    await beat(tc, () => b!, 3 * DEAD_MS);
    const h = await tc.drive(b!.ask<HostState, HvxHostMsg>(HOST, { type: 'get' }));
    assert.equal(h.status, 'UP');
    assert.deepEqual(told, [], 'no hostLost, no hostGone');
  } finally {
    await tc.close();
  }
});

test('a silent host is declared dead within two windows, though its actor is passivated between checks', async () => {
  const tc = new TestCluster({ passivateAfterMs: 1000 });
  const told: string[] = [];
  try {
    const a = await tc.start('a', kinds(told));
    await registered(tc, a);
    await beat(tc, () => a, 3000);
    const last = tc.clock.now() - 1000;
    const took = await tc.until(() => told.includes('application:hostLost'), 3 * DEAD_MS, 100);
    const at = tc.clock.now();
    assert.ok(at - last <= 2 * DEAD_MS + 1000, `declared dead ${at - last} ms after the last heartbeat (took ${took} ms)`);
    assert.ok(a.metrics().activationsStarted > 3, 'the host actor was passivated and woken again on the way');
    assert.ok(told.includes('region:hostGone'));
  } finally {
    await tc.close();
  }
});
