/**
 * A tenant's event stream keeps its events for the configured retention and drops the oldest
 * first; sequences go on from where they were, and a read of a stream whose every event is past
 * its retention answers nothing at once rather than waiting for the next event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../core/clock.ts';
import { EmbeddedBus } from '../bus/embedded/embedded-bus.ts';
import type { EventRecord } from '../domain/events.ts';
import { BusTenantEventLog, eventRetention } from './bus-tenant-event-log.ts';
import { tenantStreamName } from './tenant-event-log.ts';

const TENANT = 11;
const DAY = 86_400_000;

function record(sequence: number, time: number): EventRecord {
  return { sequence, tenantId: TENANT, time, principal: { kind: 'system' }, name: 'APPLICATION_UPDATED', subjects: [], details: { sequence } };
}

async function sequences(log: BusTenantEventLog, from = 1): Promise<number[]> {
  const out: number[] = [];
  for await (const r of log.read(TENANT, from)) out.push(r.sequence);
  return out;
}

/** `p`, or a failure after `ms` of real time: a read that waits for the next event would hang. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test('events past the retention are dropped, oldest first, and the stream goes on from its sequence', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-retention-'));
  const clock = new ManualClock(1_000_000);
  const bus = new EmbeddedBus({ dir, clock });
  try {
    const retention = eventRetention({ retentionDays: 2 });
    const log = new BusTenantEventLog(bus, retention);
    for (let s = 1; s <= 3; s++) await log.append(record(s, clock.now()));
    await clock.advance(DAY);
    await log.append(record(4, clock.now()));
    await clock.advance(DAY + 1000);
    await log.append(record(5, clock.now()));
    assert.deepEqual(await sequences(log), [4, 5], 'the three events older than two days are gone');
    assert.equal(await log.lastSequence(TENANT), 5);
    await log.append(record(6, clock.now()));
    assert.deepEqual(await sequences(log, 5), [5, 6]);
    // The stream's own limits say so, whatever wrote it.
    const info = await bus.streams.info(tenantStreamName(TENANT));
    assert.equal(info.firstSeq, 4);

    // Every event past its retention: a node started later (its first touch of the stream applies
    // the limits) reads nothing, at once, and the next event takes the next sequence.
    await clock.advance(3 * DAY);
    const later = new BusTenantEventLog(bus, retention);
    assert.equal(await later.lastSequence(TENANT), 6);
    assert.equal((await bus.streams.info(tenantStreamName(TENANT))).messages, 0);
    assert.deepEqual(await within(5000, sequences(later)), []);
    await later.append(record(7, clock.now()));
    assert.deepEqual(await sequences(later), [7]);
  } finally {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
