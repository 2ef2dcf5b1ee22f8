/**
 * A BLUEPRINT task's firing: asks the organization's library actor to save the application's
 * design as a blueprint (SAVING, then DONE once the library's durable save job has cloned every
 * disk). The ask is keyed by the application, the task and the firing's due time, so a firing
 * retried after a crash (its reminder fires again with the same due time) gets the blueprint
 * the first try made instead of a second one.
 */
import type { Blueprint, ScheduledTask } from '../../../domain/schemas/index.ts';
import { libraryRef } from '../library/library-kind.ts';
import type { LibraryMsg } from '../library/library-messages.ts';
import type { Ctx, Live } from './application-design.ts';

/** The idempotency key of one firing: the same for every retry of it, different for every other. */
export const blueprintFiringKey = (applicationId: number, taskId: number, dueAt: number): string => `task-blueprint:${applicationId}:${taskId}:${dueAt}`;

/** Starts the save of one firing; answers the blueprint (SAVING, or as the library now has it). */
export async function saveTaskBlueprint(ctx: Ctx, s: Live, task: ScheduledTask, dueAt: number): Promise<Blueprint> {
  const msg: Extract<LibraryMsg, { type: 'saveBlueprint' }> = {
    type: 'saveBlueprint',
    principal: { kind: 'system' },
    // application-tasks.ts refuses a BLUEPRINT task without a name; the application's is only a type-level fallback.
    name: task.blueprintName ?? s.app.name,
    description: `saved by task ${task.id} of application ${s.app.id}, due ${new Date(dueAt).toISOString()}`,
    design: s.app.design,
  };
  return ctx.actors.ask<Blueprint, typeof msg>(libraryRef(s.organizationId), msg, { idempotencyKey: blueprintFiringKey(s.app.id, task.id, dueAt) });
}
