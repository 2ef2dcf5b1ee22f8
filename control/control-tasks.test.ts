/**
 * Scheduled tasks on durable reminders: a one-off STOP at a time, a cron START that fires again
 * and again (also after the actor system restarts), deleting a task ends its firings, bad
 * schedules are refused, and another tenant's tasks are NOT_FOUND.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventRecord } from '../domain/events.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { code, type ControlHarness } from './testing/control-harness.ts';
import { withStartedApp } from './testing/control-fixtures.ts';
import { allVms, tenant } from './testing/deployment-helpers.ts';

/** The task firings recorded so far, once there are `want`; moves the clock up to `maxMs` for them. */
async function fired(h: ControlHarness, p: Principal, want: number, maxMs = 60_000): Promise<EventRecord[]> {
  let found: EventRecord[] = [];
  await h.tc.until(() => {
    void h.control.searchNotifications(p, { eventNames: ['APPLICATION_TASK_FIRED'] }).then((r) => (found = r.notifications));
    return found.length >= want;
  }, maxMs, 1000);
  return found;
}

test('a one-off STOP and a cron START fire on time, also after a restart; deleting a task ends it', async () => {
  await withStartedApp([1], async ({ h, p, app }) => {
    const c = (): typeof h.control => h.control;

    const now = h.tc.clock.now();
    for (const [name, body] of [
      ['a bad cron expression', { action: 'STOP', scheduleInfo: { cronExpression: 'every tuesday' } }],
      ['neither start nor cron', { action: 'STOP', scheduleInfo: {} }],
      ['a start in the past', { action: 'STOP', scheduleInfo: { start: now - 1000 } }],
      ['end before start', { action: 'STOP', scheduleInfo: { start: now + 5000, end: now + 1000, cronExpression: '* * * * *' } }],
      ['BLUEPRINT without a blueprintName', { action: 'BLUEPRINT', scheduleInfo: { start: now + 5000 } }],
      ['an unknown action', { action: 'EXPLODE', scheduleInfo: { start: now + 5000 } }],
    ] as const) await assert.rejects(h.run(c().createTask(p, app.id, body as never)), code('INVALID_ARGUMENT'), name);
    assert.deepEqual(await h.run(c().listTasks(p, app.id)), []);

    const stop = await h.run(c().createTask(p, app.id, { action: 'STOP', scheduleInfo: { start: now + 60_000 }, description: 'lunch' }));
    assert.equal(stop.id, 1);
    assert.deepEqual(await h.run(c().getTask(p, app.id, 1)), stop);
    const rival = await tenant(h, 'rival');
    await assert.rejects(h.run(c().getTask(rival.p, app.id, 1)), code('NOT_FOUND'));
    await assert.rejects(h.run(c().deleteTask(rival.p, app.id, 1)), code('NOT_FOUND'));
    await assert.rejects(h.run(c().getTask(p, app.id, 9)), code('NOT_FOUND'));

    await h.tc.advance(50_000, 1000);
    assert.deepEqual((await h.run(c().getApplication(p, app.id, 'deployment'))).deployment?.vms.map((v) => v.state), ['STARTED'], 'not before its time');
    await allVms(h, p, app.id, 'STOPPED', 60_000);
    const [first] = await fired(h, p, 1);
    assert.deepEqual(first?.details, { taskId: 1, action: 'STOP', outcome: 'DONE', dueAt: now + 60_000 });

    // Every 5 minutes: START. Restart the actor system before it is due; it fires all the same.
    const start = await h.run(c().createTask(p, app.id, { action: 'START', scheduleInfo: { cronExpression: '*/5 * * * *' } }));
    assert.equal(start.id, 2);
    await h.restart();
    await allVms(h, p, app.id, 'STARTED', 6 * 60_000);
    const second = await fired(h, p, 2);
    assert.deepEqual(second.map((e) => e.details['outcome']), ['DONE', 'DONE']);
    assert.equal((second[1]?.details['dueAt'] as number) % 300_000, 0, 'on a 5-minute boundary');

    // The next firing finds the application started: the refusal is its outcome.
    const third = (await fired(h, p, 3, 6 * 60_000))[2];
    assert.deepEqual([third?.details['taskId'], third?.details['outcome']], [2, 'ILLEGAL_STATE']);

    await h.run(h.control.deleteTask(p, app.id, 2));
    assert.deepEqual(await h.run(h.control.listTasks(p, app.id)), [stop]);
    const count = (await fired(h, p, 3)).length;
    await h.tc.advance(11 * 60_000, 10_000);
    assert.equal((await fired(h, p, 3)).length, count, 'a deleted task fires no more');
  });
});
