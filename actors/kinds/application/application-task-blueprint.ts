/**
 * A BLUEPRINT task's firing: asks the organization's library actor to save the application as a
 * blueprint (SAVING, then DONE once the library's durable save job has cloned every disk's
 * current version). The ask carries a key made of the application, the task and the firing's
 * due time, which the library remembers with the blueprint it made.
 *
 * An ask that times out (or finds the library unavailable) has no definite outcome: the
 * library may have saved the blueprint, or may save it later. So the firing is not recorded
 * then: the turn fails, and the runtime fires the same reminder (same due time, same key) again
 * a little later, until the library answers: the blueprint its first try made, or a refusal.
 * One firing records exactly one APPLICATION_TASK_FIRED, naming the one blueprint.
 */
import { isRavelError, RavelError } from '../../../core/errors.ts';
import type { Blueprint, ScheduledTask } from '../../../domain/schemas/index.ts';
import { libraryRef } from '../library/library-kind.ts';
import type { LibraryMsg } from '../library/library-messages.ts';
import { visible, type Ctx, type Live, type Msg } from './application-design.ts';
import { queueSnapshots } from './application-snapshots.ts';

/** The idempotency key of one firing: the same for every retry of it, different for every other. */
export const blueprintFiringKey = (applicationId: number, taskId: number, dueAt: number): string => `task-blueprint:${applicationId}:${taskId}:${dueAt}`;

/** Answers that leave a firing's outcome unknown: it is tried again, never recorded as failed. */
const UNKNOWN_OUTCOME = ['TIMEOUT', 'UNAVAILABLE', 'NO_RESPONDERS', 'MAILBOX_FULL', 'CLOSED'] as const;

/** Thrown out of a firing whose outcome is unknown: the reminder turn fails and fires again. */
export class FiringUndecided extends RavelError {
  constructor(cause: RavelError) {
    super(cause.code, `blueprint firing undecided, tried again: ${cause.message}`);
  }
}

/** Starts the save of one firing; answers the blueprint (SAVING, or as the library now has it). */
export async function saveTaskBlueprint(ctx: Ctx, s: Live, task: ScheduledTask, dueAt: number): Promise<Blueprint> {
  const key = blueprintFiringKey(s.app.id, task.id, dueAt);
  // application-tasks.ts refuses a BLUEPRINT task without a name; the application's is only a type-level fallback.
  const description = `saved by task ${task.id} of application ${s.app.id}, due ${new Date(dueAt).toISOString()}`;
  try {
    return await blueprintOf(ctx, s, { principal: { kind: 'system' }, name: task.blueprintName ?? s.app.name, description, requestKey: key });
  } catch (e) {
    const undecided = UNKNOWN_OUTCOME.find((c) => isRavelError(e, c));
    if (undecided !== undefined) throw new FiringUndecided(e as RavelError);
    throw e;
  }
}

/** `saveBlueprint` (POST /blueprints): the application as a blueprint, its running VMs' disks snapshotted first. */
export async function saveBlueprint(ctx: Ctx, m: Msg<'saveBlueprint'>): Promise<Blueprint> {
  const s = visible(ctx, m.principal, 'READ');
  // Without the caller's key, each ask is a new blueprint (as a library ask without one is).
  return blueprintOf(ctx, s, { principal: m.principal, name: m.name, ...(m.requestKey === undefined ? {} : { requestKey: m.requestKey }), ...(m.description === undefined ? {} : { description: m.description }) });
}

/**
 * Asks the library for the blueprint (SAVING). The disks of VMs that run are snapshotted first
 * (they keep running): the library's save waits for their versions, handed to it once every
 * snapshot is in (application-snapshots.ts), and goes on from them. Stopped VMs' disks were
 * snapshotted when they stopped: the library saves them at their newest version.
 */
async function blueprintOf(ctx: Ctx, s: Live, req: { principal: Extract<LibraryMsg, { type: 'saveBlueprint' }>['principal']; name: string; description?: string; requestKey?: string }): Promise<Blueprint> {
  const running = (s.app.deployment?.vms ?? []).filter((v) => v.state === 'STARTED' && v.hostId !== undefined);
  // A snapshot already asked (of a VM's stop) is waited for too: its versions are the disk's newest.
  const asked = Object.fromEntries(Object.entries(s.runtime?.vms ?? {}).flatMap(([k, rt]) => (rt.snapshot === undefined ? [] : [[k, rt.snapshot.command]])));
  const snapshotting = (running.length > 0 || Object.keys(asked).length > 0) && s.disks !== undefined;
  const msg: Extract<LibraryMsg, { type: 'saveBlueprint' }> = {
    type: 'saveBlueprint',
    principal: req.principal,
    name: req.name,
    ...(req.description === undefined ? {} : { description: req.description }),
    design: s.app.design,
    applicationId: s.app.id,
    ...(req.requestKey === undefined ? {} : { requestKey: req.requestKey }),
    ...(snapshotting ? { snapshotting } : {}),
  };
  const bp = await ctx.actors.ask<Blueprint, typeof msg>(libraryRef(s.organizationId), msg, req.requestKey === undefined ? {} : { idempotencyKey: req.requestKey });
  const now = ctx.state;
  const known = now.status === 'live' && (now.blueprintSnapshots ?? []).some((w) => w.blueprintId === bp.id);
  if (!snapshotting || bp.loadingStatus !== 'SAVING' || known || now.status !== 'live') return bp;
  const q = queueSnapshots(now, running, ctx.clock.now(), ctx.reminders);
  const awaiting = { ...asked, ...q.commands };
  ctx.setState({ ...q.state, blueprintSnapshots: [...(now.blueprintSnapshots ?? []), { blueprintId: bp.id, awaiting, versions: {} }] });
  return bp;
}
