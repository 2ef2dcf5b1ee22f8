import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandLanes } from './command-lanes.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('turns of one lane run in the order taken; other lanes do not wait for it', async () => {
  const lanes = new CommandLanes();
  const ran: string[] = [];
  const a1 = lanes.take('a');
  const a2 = lanes.take('a');
  const b1 = lanes.take('b');
  void a2.ready.then(() => ran.push('a2'));
  void b1.ready.then(() => ran.push('b1'));
  await tick();
  assert.deepEqual(ran, ['b1'], 'a2 waits for a1; b1 does not');
  assert.equal(await a1.ready, true);
  a1.done(true);
  await tick();
  assert.deepEqual(ran, ['b1', 'a2']);
  a2.done(true);
  b1.done(true);
  await tick();
  assert.equal(lanes.busy, 0, 'drained lanes are forgotten');
});

test('a turn whose predecessor gave up is told so, down the lane, and a drained lane starts afresh', async () => {
  const lanes = new CommandLanes();
  const t1 = lanes.take('vm');
  const t2 = lanes.take('vm');
  const t3 = lanes.take('vm');
  t1.done(false);
  assert.equal(await t2.ready, false);
  t2.done(false);
  assert.equal(await t3.ready, false, 'the third does not pass the first either');
  t3.done(true);
  await tick();
  assert.equal(lanes.busy, 0);
  assert.equal(await lanes.take('vm').ready, true);
});

test('ending a turn twice counts once', async () => {
  const lanes = new CommandLanes();
  const t1 = lanes.take('x');
  const t2 = lanes.take('x');
  t1.done(true);
  t1.done(false);
  assert.equal(await t2.ready, true);
});
