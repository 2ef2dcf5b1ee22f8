/**
 * A turn whose actor record would pass what the record store takes is refused before anything
 * is written, and only that turn: the actor goes on taking every change that fits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError, RavelError } from '../../core/errors.ts';
import { defaults } from '../../config/schema.ts';
import { silentLogger } from '../../core/log.ts';
import { defineActorKind, type ActorRef } from '../actor-kind.ts';
import { ActorSystem } from './actor-system.ts';
import { realPause, TestCluster } from './testing/harness.ts';
import { holdRecordWrites } from './testing/held-records.ts';
import { compileSettings } from './runtime-settings.ts';

interface Blobs { readonly items: ReadonlyArray<{ tag: string; body: string }> }
type BlobMsg = { type: 'add'; tag: string; bytes: number } | { type: 'tags' } | { type: 'addLater'; tag: string; bytes: number; at: number };

let reminderTurns = 0;

const blobKind = defineActorKind<Blobs, BlobMsg, unknown>({
  name: 'blobs',
  schemaVersion: 1,
  initialState: () => ({ items: [] }),
  decodeMessage: (raw) => raw as BlobMsg,
  decodeState: (stored) => stored as Blobs,
  handle(ctx, msg) {
    if (msg.type === 'tags') return ctx.state.items.map((i) => i.tag);
    if (msg.type === 'addLater') {
      ctx.reminders.set(`add-${msg.tag}`, msg.at, { tag: msg.tag, bytes: msg.bytes });
      return msg.tag;
    }
    ctx.setState({ items: [...ctx.state.items, { tag: msg.tag, body: 'x'.repeat(msg.bytes) }] });
    return msg.tag;
  },
  onReminder(ctx, r) {
    reminderTurns++;
    const { tag, bytes } = r.data as { tag: string; bytes: number };
    ctx.setState({ items: [...ctx.state.items, { tag, body: 'x'.repeat(bytes) }] });
  },
});

const b1: ActorRef = { kind: 'blobs', id: 'b1' };
const KB = 1024;

function isRecordFull(e: unknown): boolean {
  return isRavelError(e, 'QUOTA_EXCEEDED') && e.details?.['reason'] === 'record-full';
}

test('a turn that would overfill its record is refused with QUOTA_EXCEEDED, nothing of it kept, and later turns that fit land', async () => {
  const tc = new TestCluster({ shards: 4 });
  try {
    const sys = await tc.start('a', [blobKind]);
    assert.equal(await tc.drive(sys.ask(b1, { type: 'add', tag: 'first', bytes: 600 * KB })), 'first');
    const refused = await tc.drive(sys.ask(b1, { type: 'add', tag: 'huge', bytes: 500 * KB }, { idempotencyKey: 'k-huge' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isRecordFull(refused), `refused with record-full: ${String(refused)}`);
    assert.match((refused as RavelError).message, /nothing was changed/);
    assert.equal(sys.metrics().batchesOverfull, 1, 'counted for /metrics');
    assert.deepEqual(await tc.drive(sys.ask(b1, { type: 'tags' })), ['first']);
    // The same key again is refused again: the memo of the taken-back turn went with it.
    await assert.rejects(tc.drive(sys.ask(b1, { type: 'add', tag: 'huge', bytes: 500 * KB }, { idempotencyKey: 'k-huge' })), isRecordFull);
    assert.equal(await tc.drive(sys.ask(b1, { type: 'add', tag: 'small', bytes: 10 * KB })), 'small');
    // What is durable is what was answered: a fresh node reads the record from the store.
    await tc.drive(sys.halt());
    const again = await tc.start('b', [blobKind]);
    assert.deepEqual(await tc.drive(again.ask(b1, { type: 'tags' })), ['first', 'small']);
  } finally {
    await tc.close();
  }
});

test('of a batch of turns that overfills the record together, only the turn that overfills it is refused', async () => {
  const tc = new TestCluster();
  try {
    const held = holdRecordWrites(tc.bus, false);
    const sys = new ActorSystem({ nodeId: 'a', grid: tc.grid, bus: held.bus, clock: tc.clock, config: { ...defaults.actors, shards: 4 }, log: silentLogger });
    sys.register(blobKind);
    await tc.drive(sys.start());
    assert.equal(await tc.drive(sys.ask(b1, { type: 'add', tag: 'base', bytes: 300 * KB })), 'base');
    // The next write waits, so the asks after it queue up and run as one batch of turns.
    held.holding = true;
    const settled = (p: Promise<unknown>): Promise<unknown> => p.then((v) => v, (e: unknown) => e);
    const first = settled(sys.ask(b1, { type: 'add', tag: 'one', bytes: 100 * KB }));
    for (let i = 0; i < 10; i++) await realPause();
    const queued = [
      settled(sys.ask(b1, { type: 'add', tag: 'two', bytes: 10 * KB })),
      settled(sys.ask(b1, { type: 'add', tag: 'big', bytes: 700 * KB })),
      settled(sys.ask(b1, { type: 'add', tag: 'three', bytes: 10 * KB })),
    ];
    for (let i = 0; i < 10; i++) await realPause();
    held.release();
    assert.equal(await tc.drive(first), 'one');
    const [two, big, three] = await tc.drive(Promise.all(queued));
    assert.equal(two, 'two');
    assert.ok(isRecordFull(big), `the overfilling turn is refused: ${String(big)}`);
    assert.equal(three, 'three');
    assert.deepEqual(await tc.drive(sys.ask(b1, { type: 'tags' })), ['base', 'one', 'two', 'three']);
    await tc.drive(sys.halt());
  } finally {
    await tc.close();
  }
});

test('a reminder turn that would overfill the record is taken back and kept, tried again after the retry pause, not in a loop', async () => {
  const tc = new TestCluster({ shards: 4 });
  try {
    const sys = await tc.start('a', [blobKind]);
    await tc.drive(sys.ask(b1, { type: 'add', tag: 'first', bytes: 700 * KB }));
    const at = tc.clock.now() + 1000;
    await tc.drive(sys.ask(b1, { type: 'addLater', tag: 'later', bytes: 400 * KB, at }));
    reminderTurns = 0;
    const retryMs = compileSettings({ ...defaults.actors, shards: 4 }).reminderRetryMs;
    await tc.advance(1000 + 3 * retryMs, 50);
    assert.ok(reminderTurns >= 2, `the reminder was tried again (${reminderTurns} turns)`);
    assert.ok(reminderTurns <= 5, `tried after a pause each time, not in a loop (${reminderTurns} turns in ${1000 + 3 * retryMs} ms)`);
    // The actor answers, with nothing of the reminder's turn kept.
    assert.deepEqual(await tc.drive(sys.ask(b1, { type: 'tags' })), ['first']);
    assert.equal(await tc.drive(sys.ask(b1, { type: 'add', tag: 'small', bytes: 10 * KB })), 'small');
    assert.deepEqual(await tc.drive(sys.ask(b1, { type: 'tags' })), ['first', 'small']);
  } finally {
    await tc.close();
  }
});
