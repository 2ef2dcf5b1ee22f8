/**
 * A shard's hand-over waits for its actors' turns to end, and must end: actors whose reminder
 * turns keep failing slowly (an ask retried to its deadline, as an application's event
 * forwarding does while the organization it forwards to is in the same shard, handing over)
 * would otherwise take turns one after another forever, and the shard would never be handed on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RavelError } from '../../core/errors.ts';
import { defineActorKind, type ActorRef } from '../actor-kind.ts';
import { counterKind, Gates, type CounterState } from './testing/counter-kind.ts';
import { TestCluster } from './testing/harness.ts';
import { preferredOwner, shardOf } from './shard-hash.ts';

const SHARDS = 16;

test('a shard whose actors keep taking slow reminder turns is still handed over, and their reminders go on at the new owner', async () => {
  const tc = new TestCluster({ shards: SHARDS });
  const firedOn: string[] = [];
  const naggerKind = (node: string) =>
    defineActorKind<{ n: number }, { type: 'nag'; at: number }, null>({
      name: 'nagger',
      schemaVersion: 1,
      initialState: () => ({ n: 0 }),
      decodeMessage: (raw) => raw as { type: 'nag'; at: number },
      decodeState: (s) => s as { n: number },
      handle(ctx, msg) {
        ctx.reminders.set('nag', msg.at);
        return null;
      },
      async onReminder() {
        firedOn.push(node);
        // As an ask retried until its deadline, then failed: the reminder is tried again later.
        await tc.clock.sleep(4000);
        throw new RavelError('TIMEOUT', 'the organization did not answer (test)');
      },
    });
  try {
    const a = await tc.start('a', [naggerKind('a')]);
    // Six naggers in one shard that the joining node is preferred for, their turns staggered.
    const shard = [...Array(SHARDS).keys()].find((s) => preferredOwner(s, ['a', 'b']) === 'b') ?? -1;
    const naggers: ActorRef[] = [];
    for (let i = 0; naggers.length < 6; i++) if (shardOf('nagger', `n${i}`, SHARDS) === shard) naggers.push({ kind: 'nagger', id: `n${i}` });
    const t0 = tc.clock.now();
    for (const [i, r] of naggers.entries()) await tc.drive(a.ask(r, { type: 'nag', at: t0 + 1000 + i * 1200 }));
    await tc.advance(10_000, 50);
    assert.ok(firedOn.length >= 6, 'the naggers are nagging');
    const b = await tc.start('b', [naggerKind('b')]);
    await tc.until(() => b.ownedShards().includes(shard), 60_000, 50);
    assert.ok(!a.ownedShards().includes(shard));
    const before = firedOn.filter((n) => n === 'b').length;
    await tc.advance(20_000, 50);
    assert.ok(firedOn.filter((n) => n === 'b').length > before, 'their reminders fire at the new owner');
  } finally {
    await tc.close();
  }
});

test('a turn stuck past every deadline does not hold a hand-over: its activation is dropped unwritten and the actor answers at the new owner', async () => {
  const tc = new TestCluster({ shards: SHARDS });
  const gates = new Gates();
  try {
    const a = await tc.start('a', [counterKind({ gates })]);
    const shard = [...Array(SHARDS).keys()].find((s) => preferredOwner(s, ['a', 'b']) === 'b') ?? -1;
    let id = 0;
    while (shardOf('counter', `c${id}`, SHARDS) !== shard) id++;
    const ref: ActorRef = { kind: 'counter', id: `c${id}` };
    assert.equal(await tc.drive(a.ask(ref, { type: 'add', by: 2 })), 2);
    const stuck = a.ask(ref, { type: 'wait', gate: 'never' }, { timeoutMs: 600_000 }).then(
      () => 'answered',
      (e: unknown) => e,
    );
    const b = await tc.start('b', [counterKind({ gates })]);
    const took = await tc.until(() => b.ownedShards().includes(shard), 60_000, 50);
    assert.ok(took <= 3 * 5000 + 10_000, `handed over after the turns' bound (${took} ms)`);
    assert.equal((await tc.drive(b.ask<CounterState>(ref, { type: 'get' }))).count, 2, 'the state as written');
    gates.release('never');
    await tc.drive(stuck);
  } finally {
    await tc.close();
  }
});
