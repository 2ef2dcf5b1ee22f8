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
import type { Ctx, Live } from './application-design.ts';

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
  const msg: Extract<LibraryMsg, { type: 'saveBlueprint' }> = {
    type: 'saveBlueprint',
    principal: { kind: 'system' },
    // application-tasks.ts refuses a BLUEPRINT task without a name; the application's is only a type-level fallback.
    name: task.blueprintName ?? s.app.name,
    description: `saved by task ${task.id} of application ${s.app.id}, due ${new Date(dueAt).toISOString()}`,
    design: s.app.design,
    applicationId: s.app.id,
    requestKey: key,
  };
  try {
    return await ctx.actors.ask<Blueprint, typeof msg>(libraryRef(s.organizationId), msg, { idempotencyKey: key });
  } catch (e) {
    const undecided = UNKNOWN_OUTCOME.find((c) => isRavelError(e, c));
    if (undecided !== undefined) throw new FiringUndecided(e as RavelError);
    throw e;
  }
}
