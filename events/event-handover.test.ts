/**
 * Hand-overs through the real organization actor and runtime: a forwarding actor's outbox goes to
 * the organization as one batch that costs the organization no write of its own, and a batch
 * whose append the node died in the middle of reaches the stream once and in order, handed over
 * again to the next node after the organization's own event went first (the dead node's late
 * append included); and the marks kept for deduplication do not grow with every application the
 * organization ever had, while a deleted application's late retry still lands nowhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActorKind, type AnyActorKind } from '../actors/actor-kind.ts';
import { organizationKind, organizationRef } from '../actors/kinds/organization/organization-kind.ts';
import type { ReservedApplication } from '../actors/kinds/organization/org-library.ts';
import type { OrganizationMsg } from '../actors/kinds/organization/organization-messages.ts';
import type { ActorSystem } from '../actors/runtime/actor-system.ts';
import { TestCluster } from '../actors/runtime/testing/harness.ts';
import { controlKinds } from '../control/control-kinds.ts';
import type { EventRecord } from '../domain/events.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { BusTenantEventLog } from './bus-tenant-event-log.ts';
import { emptyForwardOutbox, forward, handOver, OUTBOX_REMINDER, scheduleDrain, type ForwardedEvent, type ForwardOutbox, type RecordEventsMsg } from './event-outbox.ts';
import { StreamCursors } from './tenant-appender.ts';
import type { AppendedOrigin, EventOrigin, TenantEventLog } from './tenant-event-log.ts';

const ORG = 1;
const operator: Principal = { kind: 'operator', name: 'ops' };
const FORWARDER = { kind: 'forwarder', id: 'f1' };

type ForwarderMsg = { readonly type: 'emit'; readonly tag: string; readonly count: number } | { readonly type: 'get' };

/** While true, the forwarder's hand-overs fail (its reminder is tried again later). */
let paused = false;

/** An actor that forwards its events as applications do: staged with its change, handed over by the outbox reminder. */
const forwarderKind = defineActorKind<ForwardOutbox, ForwarderMsg, ForwardOutbox>({
  name: 'forwarder',
  schemaVersion: 1,
  initialState: () => emptyForwardOutbox,
  decodeMessage: (raw) => raw as ForwarderMsg,
  decodeState: (stored) => stored as ForwardOutbox,
  handle(ctx, msg) {
    if (msg.type === 'get') return ctx.state;
    const now = ctx.clock.now();
    const events = Array.from({ length: msg.count }, (_, i) => ({ name: 'APPLICATION_UPDATED' as const, principal: operator, details: { tag: msg.tag, i: i + 1 }, time: now }));
    ctx.setState(forward(ctx.state, events));
    scheduleDrain(ctx.reminders, now);
    return ctx.state;
  },
  async onReminder(ctx, r) {
    if (paused) throw new Error('hand-overs paused (test)');
    if (r.name === OUTBOX_REMINDER) ctx.setState(await handOver(ctx.actors, organizationRef(ORG), `forwarder-${ctx.self.id}`, ctx.state));
  },
});

/** The stream, where one append can be held (the node appending it dies), then let through late. */
class HeldLog implements TenantEventLog {
  private holdAfter: number | undefined;
  private held: (() => void) | undefined;
  heldAppend: Promise<void> | undefined;

  constructor(readonly log: BusTenantEventLog) {}

  /** Holds the append after the next `n`. */
  holdAfterNext(n: number): void {
    this.holdAfter = n;
  }

  get holding(): boolean {
    return this.held !== undefined;
  }

  release(): void {
    this.held?.();
  }

  append(record: EventRecord, origin?: EventOrigin): Promise<void> {
    if (this.holdAfter !== undefined && this.holdAfter-- === 0) {
      this.holdAfter = undefined;
      this.heldAppend = new Promise<void>((r) => (this.held = r)).then(() => this.log.append(record, origin));
      return this.heldAppend;
    }
    return this.log.append(record, origin);
  }

  lastSequence(t: number): Promise<number> {
    return this.log.lastSequence(t);
  }

  read(t: number, f?: number): AsyncIterable<EventRecord> {
    return this.log.read(t, f);
  }

  readOrigins(t: number, f: number): AsyncIterable<AppendedOrigin> {
    return this.log.readOrigins(t, f);
  }

  follow(t: number, f: number, s: AbortSignal): AsyncIterable<EventRecord> {
    return this.log.follow(t, f, s);
  }
}

/** The control kinds and the forwarder; with `cursors`, the organization keeps its cursors there (to be looked at). */
function kinds(events: TenantEventLog, cursors?: StreamCursors): AnyActorKind[] {
  const deps = { events, regions: {}, scrypt: { N: 1024, r: 8, p: 1 } };
  const control = controlKinds(deps).map((k) => (cursors !== undefined && k.name === 'organization' ? organizationKind(deps, cursors) : k));
  return [...control, forwarderKind];
}

async function stored(log: TenantEventLog): Promise<Array<{ sequence: number; tag: unknown; i: unknown; origin: string }>> {
  const records: EventRecord[] = [];
  for await (const r of log.read(ORG)) records.push(r);
  const origins: AppendedOrigin[] = [];
  for await (const o of log.readOrigins(ORG, 1)) origins.push(o);
  return records.map((r, k) => ({ sequence: r.sequence, tag: r.details['tag'], i: r.details['i'], origin: `${origins[k]?.origin?.source}:${origins[k]?.origin?.seq}` }));
}

async function reach(tc: TestCluster, log: TenantEventLog, n: number): Promise<void> {
  let last = 0;
  await tc.until(() => {
    void log.lastSequence(ORG).then((x) => (last = x));
    return last >= n;
  });
}

async function withOrganization(body: (tc: TestCluster, log: HeldLog, a: ActorSystem) => Promise<void>, cursors?: StreamCursors): Promise<void> {
  const tc = new TestCluster();
  try {
    const log = new HeldLog(new BusTenantEventLog(tc.bus));
    const a = await tc.start('a', kinds(log, cursors));
    await tc.drive(a.ask(organizationRef(ORG), { type: 'create', principal: operator, name: 'acme', admin: { email: 'root@acme', password: 'root-password' } }));
    await reach(tc, log, 2);
    await tc.advance(1000); // the drain's own write lands after its appends
    await body(tc, log, a);
  } finally {
    await tc.close();
  }
}

test('a forwarded batch is one hand-over, and the organization writes nothing for it', async () => {
  await withOrganization(async (tc, log, a) => {
    const before = a.metrics().commits.count;
    await tc.drive(a.ask(FORWARDER, { type: 'emit', tag: 'x', count: 5 }));
    await reach(tc, log, 7);
    const left = await tc.drive(a.ask<ForwardOutbox>(FORWARDER, { type: 'get' }));
    assert.deepEqual(left.pending, [], 'the forwarder holds nothing back');
    assert.equal(a.metrics().commits.count - before, 2, "two writes: the forwarder's change with its outbox, and its reminder's");
    assert.equal(a.metrics().messages.find((m) => m.kind === 'organization' && m.type === 'recordEvents')?.completed, 1, 'one hand-over for the five');
    assert.deepEqual((await stored(log)).slice(2).map((r) => r.origin), ['forwarder-f1:1', 'forwarder-f1:2', 'forwarder-f1:3', 'forwarder-f1:4', 'forwarder-f1:5']);
  });
});

test('a batch whose append a node died in the middle of is appended once and in order by the next node', async () => {
  await withOrganization(async (tc, log, a) => {
    log.holdAfterNext(2);
    const emitted = a.ask(FORWARDER, { type: 'emit', tag: 'x', count: 5 });
    await tc.until(() => log.holding);
    await tc.drive(emitted);
    assert.equal(await log.lastSequence(ORG), 4, 'two of the five appended when the node dies');
    await tc.drive(a.halt());

    // On the next node the organization's own event goes first: its cursor, from the state's
    // checkpoint, finds the two landed records and learns whose they are.
    paused = true;
    let b: ActorSystem | undefined;
    const started = tc.start('b', kinds(log)).then((s) => (b = s));
    await tc.until(() => b !== undefined && b.ownedShards().length === 16, 30_000, 100);
    await started;
    await tc.drive(b!.ask(organizationRef(ORG), { type: 'login', login: 'root@acme', password: 'root-password' }));
    await reach(tc, log, 5);
    paused = false;
    await reach(tc, log, 8);
    // The dead node's append lands late, after the next node appended the rest: nothing doubles.
    log.release();
    await tc.drive(log.heldAppend!.catch(() => undefined));
    await tc.drive(b!.ask(FORWARDER, { type: 'emit', tag: 'y', count: 2 }));
    await reach(tc, log, 10);
    await tc.advance(2000);

    const all = await stored(log);
    assert.equal(all.length, 10, 'each event once');
    assert.deepEqual(all.slice(2).map((r) => r.origin), ['forwarder-f1:1', 'forwarder-f1:2', 'organization:3', ...[3, 4, 5, 6, 7].map((n) => `forwarder-f1:${n}`)]);
    assert.deepEqual(all.slice(2).map((r) => [r.tag, r.i]), [['x', 1], ['x', 2], [undefined, undefined], ['x', 3], ['x', 4], ['x', 5], ['y', 1], ['y', 2]]);
    assert.deepEqual(all.map((r) => r.sequence), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual((await tc.drive(b!.ask<ForwardOutbox>(FORWARDER, { type: 'get' }))).pending, []);
  });
});

type ReserveMsg = Extract<OrganizationMsg, { type: 'reserveApplication' }>;

/** An application's events as it forwards them: an update, then (when `deleted`) its deletion. */
function lifetime(app: number, deleted: boolean): ForwardedEvent[] {
  const e = (localSeq: number, name: ForwardedEvent['name']): ForwardedEvent => ({ localSeq, name, principal: operator, subjects: [{ type: 'APPLICATION', id: String(app) }], details: {}, time: 1 });
  return deleted ? [e(1, 'APPLICATION_UPDATED'), e(2, 'APPLICATION_DELETED')] : [e(1, 'APPLICATION_UPDATED')];
}

test('marks stay bounded over many applications created and deleted; a deleted one retried late lands nowhere', async () => {
  const APPS = 150;
  const cursors = new StreamCursors();
  await withOrganization(async (tc, log, a) => {
    const record = (sys: ActorSystem, app: number, events: ForwardedEvent[]): Promise<number> =>
      tc.drive(sys.ask<number, RecordEventsMsg>(organizationRef(ORG), { type: 'recordEvents', source: `application-${app}`, events }));
    const reserve = async (): Promise<number> => (await tc.drive(a.ask<ReservedApplication, ReserveMsg>(organizationRef(ORG), { type: 'reserveApplication', principal: operator }))).id;
    const kept = await reserve();
    assert.equal(await record(a, kept, lifetime(kept, false)), 1);
    const deleted: number[] = [];
    for (let i = 0; i < APPS; i++) {
      const app = await reserve();
      deleted.push(app);
      assert.equal(await record(a, app, lifetime(app, true)), 2);
    }
    await tc.advance(1000); // the drains after the deletions
    const appended = 2 + 1 + 2 * APPS;
    assert.equal(await log.lastSequence(ORG), appended);
    assert.equal(cursors.marksOf(ORG), 2, "this node's cursor: the organization's own origin and the application still there");

    // A deleted application's batch handed over again (its own write after the hand-over lost)
    // is answered as held and appended nowhere, the first one deleted as the last.
    for (const app of [deleted[0]!, deleted[APPS - 1]!]) assert.equal(await record(a, app, lifetime(app, true)), 2);
    assert.equal(await log.lastSequence(ORG), appended, 'nothing appended twice');

    // The next node starts from the written checkpoint: a new event of the application still
    // there is appended after it with no catch-up, so the cursor holds what the checkpoint held.
    await tc.drive(a.halt());
    const next = new StreamCursors();
    let b: ActorSystem | undefined;
    const started = tc.start('b', kinds(log, next)).then((s) => (b = s));
    await tc.until(() => b !== undefined && b.ownedShards().length === 16, 30_000, 100);
    await started;
    assert.equal(await record(b!, kept, [...lifetime(kept, false), { ...lifetime(kept, false)[0]!, localSeq: 2 }]), 2);
    assert.equal(next.marksOf(ORG), 2, 'the checkpoint kept no deleted application');
    assert.equal(await record(b!, deleted[0]!, lifetime(deleted[0]!, true)), 2);
    assert.equal(await log.lastSequence(ORG), appended + 1, 'the new event once; the retried deletion nowhere');
    const origins = (await stored(log)).map((r) => r.origin);
    assert.equal(new Set(origins).size, origins.length, 'no origin twice in the stream');
  }, cursors);
});
