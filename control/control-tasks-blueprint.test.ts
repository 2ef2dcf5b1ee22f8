/**
 * BLUEPRINT tasks over a real image store and the ManualClock: a cron task saves one blueprint
 * per firing, each reaching DONE; a firing whose save is still running when the node restarts
 * ends with one blueprint, DONE, its disks cloned once; a firing asked for again (what its
 * reminder sends after a crash before the application recorded it) gets the same blueprint; a
 * firing whose ask times out is tried again until the library answers, and records one outcome,
 * naming the one blueprint made.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RavelError } from '../core/errors.ts';
import { libraryRef } from '../actors/kinds/library/library-kind.ts';
import { blueprintFiringKey } from '../actors/kinds/application/application-task-blueprint.ts';
import type { EventRecord } from '../domain/events.ts';
import type { Blueprint } from '../domain/schemas/index.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import type { ImageService } from '../storage-engine/image-service/image-service.ts';
import { code, ControlHarness } from './testing/control-harness.ts';
import { tenant } from './testing/deployment-helpers.ts';

/** While true, the store refuses to make images: a save stays SAVING, tried again on its reminder. */
let storeAway = false;
/** While set, the store's `get` waits for it: the library's turn (reading a disk's current version) outlasts the ask. */
let slowGets: Promise<void> | undefined;

function gated(images: ImageService): ImageService {
  return new Proxy(images, {
    get(target, prop, receiver) {
      const real = Reflect.get(target, prop, receiver) as unknown;
      if (typeof real !== 'function') return real;
      const call = (args: unknown[]): Promise<unknown> => (real as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      if (prop === 'get') return async (...args: unknown[]) => (await slowGets, call(args));
      if (prop !== 'clone' && prop !== 'create') return real;
      return (...args: unknown[]) => (storeAway ? Promise.reject(new RavelError('UNAVAILABLE', 'the store is away')) : call(args));
    },
  });
}

let h: ControlHarness;
before(async () => (h = await ControlHarness.start({ images: true, libraryStore: { wrap: gated, maxAttempts: 1000 } })));
after(() => h.close());

/** Reads, then moves the clock a second, until `ok` holds of what was read (at most `maxMs` of clock). */
async function until<T>(read: () => Promise<T>, ok: (x: T) => boolean, maxMs = 60_000): Promise<T> {
  const end = h.tc.clock.now() + maxMs;
  for (;;) {
    const seen = await h.run(read());
    if (ok(seen)) return seen;
    assert.ok(h.tc.clock.now() < end, `not there within ${maxMs} ms of clock time: ${JSON.stringify(seen).slice(0, 300)}`);
    await h.tc.advance(1000, 20); // small steps: asks in flight (5 s deadline) get turns between them
  }
}

const firings = (p: Principal, taskId: number, want: number, maxMs?: number): Promise<EventRecord[]> =>
  until(
    async () => (await h.control.searchNotifications(p, { eventNames: ['APPLICATION_TASK_FIRED'] })).notifications.filter((e) => e.details['taskId'] === taskId),
    (found) => found.length >= want,
    maxMs,
  );

const done = (p: Principal, id: number): Promise<Blueprint> => until(() => h.control.getBlueprint(p, id), (b) => b.loadingStatus !== 'SAVING');

test('a cron BLUEPRINT task saves one blueprint per firing, each DONE; bad BLUEPRINT tasks are refused', async () => {
  const { p } = await tenant(h, 'acme');
  const app = await h.run(h.control.createApplication(p, { name: 'web', design: { vms: [sampleVm(1)] } }));
  const now = h.tc.clock.now();
  await assert.rejects(h.run(h.control.createTask(p, app.id, { action: 'BLUEPRINT', scheduleInfo: { start: now + 5000 } })), code('INVALID_ARGUMENT'), 'without a blueprintName');
  await assert.rejects(h.run(h.control.createTask(p, app.id, { action: 'STOP', scheduleInfo: { start: now + 5000 }, blueprintName: 'x' })), code('INVALID_ARGUMENT'), 'a blueprintName on STOP');
  assert.deepEqual(await h.run(h.control.listTasks(p, app.id)), []);

  const task = await h.run(h.control.createTask(p, app.id, { action: 'BLUEPRINT', scheduleInfo: { cronExpression: '*/5 * * * *' }, blueprintName: 'nightly' }));
  const [first, second] = await firings(p, task.id, 2, 11 * 60_000);
  assert.deepEqual([first?.details['outcome'], second?.details['outcome']], ['DONE', 'DONE']);
  assert.equal((second?.details['dueAt'] as number) - (first?.details['dueAt'] as number), 300_000, 'one firing per 5 minutes');
  await h.run(h.control.deleteTask(p, app.id, task.id));

  const ids = [first?.details['blueprintId'], second?.details['blueprintId']] as number[];
  assert.equal(new Set(ids).size, 2, 'each firing its own blueprint');
  const saved = await Promise.all(ids.map((id) => done(p, id)));
  assert.deepEqual(saved.map((b) => [b.name, b.loadingStatus]), [['nightly', 'DONE'], ['nightly', 'DONE']]);
  const names = app.design.vms.map((v) => v.name);
  assert.deepEqual(saved.map((b) => b.design.vms.map((v) => v.name)), [names, names], "each holds the application's design");
  assert.deepEqual((await h.run(h.control.listBlueprints(p))).map((b) => b.id).sort(), [...ids].sort(), 'no other blueprint was made');
});

test('a firing whose save runs across a restart ends with one blueprint, DONE; the same firing asked again gets it back', async () => {
  const { p, organizationId } = await tenant(h, 'beta');
  const app = await h.run(h.control.createApplication(p, { name: 'db', design: { vms: [sampleVm(2)] } }));
  const dueAt = h.tc.clock.now() + 60_000;
  const task = await h.run(h.control.createTask(p, app.id, { action: 'BLUEPRINT', scheduleInfo: { start: dueAt }, blueprintName: 'before restart' }));

  storeAway = true;
  let saving: Blueprint;
  try {
    const [fired] = await firings(p, task.id, 1, 2 * 60_000);
    assert.deepEqual(fired?.details, { taskId: task.id, action: 'BLUEPRINT', outcome: 'DONE', dueAt, blueprintId: fired?.details['blueprintId'] });
    saving = await h.run(h.control.getBlueprint(p, fired?.details['blueprintId'] as number));
    assert.equal(saving.loadingStatus, 'SAVING', 'the store is away: the save is still running');
    await h.restart();
  } finally {
    storeAway = false;
  }
  const bp = await done(p, saving.id);
  assert.equal(bp.loadingStatus, 'DONE');
  const disks = (await h.run(h.images!.list(String(organizationId)))).filter((i) => i.name.startsWith(`library-${organizationId}-blueprint-${bp.id}-`));
  assert.equal(disks.length, 1, 'its one disk saved once');

  // What the firing's reminder sends again when the node dies after the library answered but
  // before the application recorded the firing: the same key, hence the same blueprint.
  const again = await h.run(
    h.system.ask<Blueprint, Record<string, unknown> & { type: string }>(
      libraryRef(organizationId),
      { type: 'saveBlueprint', principal: { kind: 'system' }, name: 'before restart', design: app.design },
      { idempotencyKey: blueprintFiringKey(app.id, task.id, dueAt) },
    ),
  );
  assert.equal(again.id, bp.id);
  assert.deepEqual((await h.run(h.control.listBlueprints(p))).map((b) => b.id), [bp.id], 'one blueprint for the one firing');
  assert.equal((await firings(p, task.id, 1)).length, 1, 'a one-off task fires once, also across the restart');
});

test('a firing whose library ask times out is tried again with its key: one blueprint, one recorded outcome naming it', async () => {
  const { p, organizationId } = await tenant(h, 'gamma');
  // An application made from a blueprint has disks of its own in the store: saving it reads their current versions.
  const first = await h.run(h.control.createApplication(p, { name: 'seed', design: { vms: [sampleVm(3)] } }));
  const seed = await done(p, (await h.run(h.control.createBlueprint(p, { applicationId: first.id, blueprintName: 'seed' }))).id);
  const app = await h.run(h.control.createApplication(p, { name: 'copy', baseBlueprintId: seed.id }));
  const dueAt = h.tc.clock.now() + 5000;
  const task = await h.run(h.control.createTask(p, app.id, { action: 'BLUEPRINT', scheduleInfo: { start: dueAt }, blueprintName: 'slow' }));

  let release = (): void => undefined;
  slowGets = new Promise((r) => (release = r));
  try {
    // Three ask deadlines (5 s each) pass while the library's turn waits on the store.
    await h.tc.advance(5000 + 3 * 5000 + 1000, 100);
    const fired = await h.run(h.control.searchNotifications(p, { eventNames: ['APPLICATION_TASK_FIRED'] }));
    assert.deepEqual(fired.notifications.filter((e) => e.details['taskId'] === task.id), [], 'no outcome while it is unknown (it was TIMEOUT, though the blueprint came later)');
  } finally {
    slowGets = undefined;
    release();
  }
  const [fired] = await firings(p, task.id, 1, 2 * 60_000);
  assert.equal(fired?.details['outcome'], 'DONE');
  const slow = (await h.run(h.control.listBlueprints(p))).filter((b) => b.name === 'slow');
  assert.deepEqual(slow.map((b) => b.id), [fired?.details['blueprintId']], 'one blueprint, the one the firing names');
  assert.equal((await done(p, slow[0]!.id)).loadingStatus, 'DONE');
  await h.tc.advance(30_000, 500);
  assert.equal((await firings(p, task.id, 1)).length, 1, 'recorded once');

  // The library remembers the firing's key itself, so an ask without the runtime's key (or after its window) gets it too.
  const again = await h.run(
    h.system.ask<Blueprint, Record<string, unknown> & { type: string }>(libraryRef(organizationId), {
      type: 'saveBlueprint', principal: { kind: 'system' }, name: 'slow', design: app.design, applicationId: app.id, requestKey: blueprintFiringKey(app.id, task.id, dueAt),
    }),
  );
  assert.equal(again.id, slow[0]!.id);
  assert.equal((await h.run(h.control.listBlueprints(p))).filter((b) => b.name === 'slow').length, 1);
});
