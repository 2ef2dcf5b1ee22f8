/**
 * The organization as the one writer of its tenant's stream (events/tenant-event-log.ts).
 *
 * Events other actors hand over are already kept in their own state, so the organization appends
 * a batch straight to the stream within the `recordEvents` turn and writes nothing of its own:
 * the stream records each event's origin, and this node's cursor (events/tenant-appender.ts)
 * skips what it holds, so a retried hand-over lands once. The organization's own events are
 * different: the change they describe must be written first, so they wait in its outbox for the
 * drain reminder; forwarded events that arrive while some wait are queued behind them, to keep
 * the order.
 *
 * The marks (per origin, the last number the stream holds) are kept in this node's cursor and in
 * the checkpoint written with the organization's state, so they must not grow with every
 * application the organization ever had (at ~21 bytes a mark in every write; past 65,535 the
 * state could not be written at all). A deleted application's mark is dropped, with no window,
 * because its late batches are recognised without it: an application id is reserved here, in
 * the index, before the application exists, and leaves the index in the same write that takes
 * (appends or queues) its APPLICATION_DELETED; a deleted application stages no event after that
 * one (its tombstone takes no change). So a batch from an application not in the index is a
 * retry of events the organization holds already, however late it comes: it is answered as
 * held, appended nowhere. (Another tenant's application is not in the index either: its events
 * never enter this stream.) The checkpoint drops the mark in that same write; this node's cursor
 * drops it in the drain reminder, which sees only written state: forgotten in the deleting
 * turn, a mark would be lost though that turn's write failed and the application stayed indexed.
 */
import { RavelError } from '../../../core/errors.ts';
import {
  appendNumbered,
  checkpointCursor,
  forwardedQueue,
  OWN_SOURCE,
  queuedOf,
  queueForwarded,
  scheduleDrain,
  withCheckpoint,
  type ForwardedEvent,
  type TenantOutbox,
} from '../../../events/event-outbox.ts';
import type { StreamCursor, StreamCursors } from '../../../events/tenant-appender.ts';
import type { OrganizationMsg } from './organization-messages.ts';
import { active, type OrganizationDeps, type OrgCtx } from './org-turn.ts';

/**
 * Appended events after which the cursor's checkpoint is written though nothing else changed: a
 * new activation catches up from the checkpoint, so this bounds what it reads (one write per
 * this many events).
 */
const CHECKPOINT_EVERY = 256;

function withCursor<T>(cursors: StreamCursors, outbox: TenantOutbox, fn: (c: StreamCursor) => Promise<T>): Promise<T> {
  return cursors.with(outbox.head.tenantId, outbox.head.nextSequence, () => checkpointCursor(outbox), fn);
}

/** The application a forwarding origin names (`application-<id>`, application-kind.ts); undefined for another origin. */
function applicationOf(source: string): number | undefined {
  const m = /^application-([1-9]\d*)$/.exec(source);
  return m === null ? undefined : Number(m[1]);
}

/** The index as a set, built once per index (each change makes a new array). */
const indexSets = new WeakMap<readonly number[], ReadonlySet<number>>();
function indexed(applications: readonly number[]): ReadonlySet<number> {
  let set = indexSets.get(applications);
  if (set === undefined) indexSets.set(applications, (set = new Set(applications)));
  return set;
}

/** Whether `source` may still send events: any origin but an application that left the index (deleted, or never this tenant's). */
function maySend(applications: readonly number[]): (source: string) => boolean {
  const live = indexed(applications);
  return (source) => {
    const id = applicationOf(source);
    return id === undefined || live.has(id);
  };
}

/** The outbox without the checkpoint marks of applications that left the index. */
function keepMarks(outbox: TenantOutbox, before: readonly number[], after: readonly number[]): TenantOutbox {
  if (after === before) return outbox;
  const keep = maySend(after);
  return { ...outbox, taken: outbox.taken.filter(([source]) => keep(source)) };
}

/** The applications an event batch says were deleted. */
function deletedApplications(events: readonly ForwardedEvent[]): Set<number> {
  return new Set(events.filter((e) => e.name === 'APPLICATION_DELETED').flatMap((e) => (e.subjects ?? []).filter((s) => s.type === 'APPLICATION').map((s) => Number(s.id))));
}

/**
 * Takes a batch another actor of the tenant forwards; answers the last number of `source` the
 * organization holds (in the stream, or queued in its written state). A deleted application
 * leaves the index and its mark goes (see the header); a batch from an application not in the
 * index is all held already, and answered so.
 */
export async function recordEvents(ctx: OrgCtx, m: Extract<OrganizationMsg, { type: 'recordEvents' }>, deps: OrganizationDeps, cursors: StreamCursors): Promise<number> {
  const org = active(ctx);
  if (m.source === OWN_SOURCE) throw new RavelError('INVALID_ARGUMENT', `${OWN_SOURCE} is the organization's own origin`);
  if (!maySend(org.applications)(m.source)) return m.events.reduce((held, e) => Math.max(held, e.localSeq), 0);
  const gone = deletedApplications(m.events);
  const applications = gone.size === 0 || !org.applications.some((id) => gone.has(id)) ? org.applications : org.applications.filter((id) => !gone.has(id));
  return withCursor(cursors, org.outbox, async (c) => {
    if (org.outbox.pending.length > 0) {
      const r = queueForwarded(org.outbox, m.source, m.events, c.mark(m.source));
      if (r.outbox !== org.outbox || applications !== org.applications) ctx.setState({ ...org, applications, outbox: keepMarks(r.outbox, org.applications, applications) });
      scheduleDrain(ctx.reminders, ctx.clock.now());
      return r.held;
    }
    await c.append(deps.events, forwardedQueue(org.outbox.head.tenantId, m.source, m.events));
    if (applications !== org.applications || c.nextSequence - org.outbox.head.nextSequence >= CHECKPOINT_EVERY) {
      ctx.setState({ ...org, applications, outbox: withCheckpoint(org.outbox, c, maySend(applications)) });
      // The drain, after this write, drops the gone applications' marks from this node's cursor.
      if (applications !== org.applications) scheduleDrain(ctx.reminders, ctx.clock.now());
    }
    return c.mark(m.source);
  });
}

/**
 * The drain reminder, after a commit: append what waits in order, then send the pending releases.
 * Its state is written, so it also drops from this node's cursor the marks of applications that
 * left the index (see the header).
 */
export async function drain(ctx: OrgCtx, deps: OrganizationDeps, cursors: StreamCursors): Promise<void> {
  if (ctx.state.status !== 'active') return;
  const org = ctx.state;
  const keep = maySend(org.applications);
  const numbered = await appendNumbered(org.outbox, deps.events);
  const outbox = await withCursor(cursors, numbered, async (c) => {
    await c.append(deps.events, queuedOf(numbered));
    c.forget(keep);
    return withCheckpoint({ ...numbered, pending: [] }, c);
  });
  for (const r of org.releases) await ctx.actors.ask(r.ref, r.msg);
  ctx.setState({ ...org, outbox, releases: [] });
}
