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
export const CHECKPOINT_EVERY = 256;

function withCursor<T>(cursors: StreamCursors, outbox: TenantOutbox, fn: (c: StreamCursor) => Promise<T>): Promise<T> {
  return cursors.with(outbox.head.tenantId, outbox.head.nextSequence, () => checkpointCursor(outbox), fn);
}

/** The applications an event batch says were deleted. */
function deletedApplications(events: readonly ForwardedEvent[]): Set<number> {
  return new Set(events.filter((e) => e.name === 'APPLICATION_DELETED').flatMap((e) => (e.subjects ?? []).filter((s) => s.type === 'APPLICATION').map((s) => Number(s.id))));
}

/**
 * Takes a batch another actor of the tenant forwards; answers the last number of `source` the
 * organization holds (in the stream, or queued in its written state). A deleted application
 * leaves the index (again, harmlessly, when a batch is handed over twice).
 */
export async function recordEvents(ctx: OrgCtx, m: Extract<OrganizationMsg, { type: 'recordEvents' }>, deps: OrganizationDeps, cursors: StreamCursors): Promise<number> {
  const org = active(ctx);
  if (m.source === OWN_SOURCE) throw new RavelError('INVALID_ARGUMENT', `${OWN_SOURCE} is the organization's own origin`);
  const gone = deletedApplications(m.events);
  const applications = gone.size === 0 || !org.applications.some((id) => gone.has(id)) ? org.applications : org.applications.filter((id) => !gone.has(id));
  return withCursor(cursors, org.outbox, async (c) => {
    if (org.outbox.pending.length > 0) {
      const r = queueForwarded(org.outbox, m.source, m.events, c.mark(m.source));
      if (r.outbox !== org.outbox || applications !== org.applications) ctx.setState({ ...org, applications, outbox: r.outbox });
      scheduleDrain(ctx.reminders, ctx.clock.now());
      return r.held;
    }
    await c.append(deps.events, forwardedQueue(org.outbox.head.tenantId, m.source, m.events));
    if (applications !== org.applications || c.nextSequence - org.outbox.head.nextSequence >= CHECKPOINT_EVERY) {
      ctx.setState({ ...org, applications, outbox: withCheckpoint(org.outbox, c) });
    }
    return c.mark(m.source);
  });
}

/** The drain reminder, after a commit: append what waits in order, then send the pending releases. */
export async function drain(ctx: OrgCtx, deps: OrganizationDeps, cursors: StreamCursors): Promise<void> {
  if (ctx.state.status !== 'active') return;
  const org = ctx.state;
  const numbered = await appendNumbered(org.outbox, deps.events);
  const outbox = await withCursor(cursors, numbered, async (c) => {
    await c.append(deps.events, queuedOf(numbered));
    return withCheckpoint({ ...numbered, pending: [] }, c);
  });
  for (const r of org.releases) await ctx.actors.ask(r.ref, r.msg);
  ctx.setState({ ...org, outbox, releases: [] });
}
