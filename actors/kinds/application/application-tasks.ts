/**
 * Scheduled tasks of an application (`/applications/{id}/tasks`): START or STOP the whole
 * application, or save it as a BLUEPRINT, once at `scheduleInfo.start`, or by a cron expression
 * within [start, end] (domain/schedule/task-schedule.ts). Each task is a durable reminder named
 * `task:<id>`, so it fires after restarts too; firing runs the same start or stop a caller would
 * (quota claimed from the organization as for a caller) or asks the library for a blueprint once
 * per firing (application-task-blueprint.ts), records APPLICATION_TASK_FIRED with the outcome,
 * and re-arms the next time after now (firings missed while down are not replayed).
 */
import { match } from 'ts-pattern';
import { RavelError } from '../../../core/errors.ts';
import { toRavelError } from '../../../core/errors.ts';
import { nextFireTime, validateSchedule } from '../../../domain/schedule/task-schedule.ts';
import type { ScheduledTask } from '../../../domain/schemas/index.ts';
import type { Principal } from '../../../domain/tenancy/principal.ts';
import type { Reminder } from '../../actor-kind.ts';
import { commit, visible, type Ctx, type Live, type Msg } from './application-design.ts';
import { applicationAction } from './application-deployment.ts';
import { FiringUndecided, saveTaskBlueprint } from './application-task-blueprint.ts';
import type { TaskBook } from './application-state.ts';

export const TASK_REMINDER_PREFIX = 'task:';
const system: Principal = { kind: 'system' };
const emptyBook: TaskBook = { lastId: 0, tasks: [] };

const reminderOf = (id: number): string => `${TASK_REMINDER_PREFIX}${id}`;

function find(s: Live, taskId: number): ScheduledTask {
  const t = (s.tasks ?? emptyBook).tasks.find((x) => x.id === taskId);
  if (t === undefined) throw new RavelError('NOT_FOUND', `application ${s.app.id} has no task ${taskId}`);
  return t;
}

/** Checks the task's action and schedule (INVALID_ARGUMENT) and arms its reminder, or clears it when it never fires again. */
function arm(ctx: Ctx, t: ScheduledTask, after: number): void {
  const at = nextFireTime(t.scheduleInfo, after);
  if (at === undefined) ctx.reminders.cancel(reminderOf(t.id));
  else ctx.reminders.set(reminderOf(t.id), at);
}

function checked(input: Msg<'createTask'>['task'], now: number): Omit<ScheduledTask, 'id'> {
  if (input.action === 'BLUEPRINT' && input.blueprintName === undefined) {
    throw new RavelError('INVALID_ARGUMENT', 'a BLUEPRINT task names the blueprints it saves', { details: { field: 'blueprintName' } });
  }
  if (input.action !== 'BLUEPRINT' && input.blueprintName !== undefined) {
    throw new RavelError('INVALID_ARGUMENT', 'only a BLUEPRINT task takes a blueprintName', { details: { field: 'blueprintName' } });
  }
  validateSchedule(input.scheduleInfo, now);
  return input;
}

export function createTask(ctx: Ctx, m: Msg<'createTask'>): ScheduledTask {
  const s = visible(ctx, m.principal, 'UPDATE');
  const now = ctx.clock.now();
  const book = s.tasks ?? emptyBook;
  const task: ScheduledTask = { ...checked(m.task, now), id: book.lastId + 1 };
  arm(ctx, task, now);
  commit(ctx, { ...s, tasks: { lastId: task.id, tasks: [...book.tasks, task] } }, m.principal, ['APPLICATION_TASK_SCHEDULED'], { taskId: task.id, action: task.action });
  return task;
}

export function listTasks(ctx: Ctx, m: Msg<'listTasks'>): readonly ScheduledTask[] {
  return (visible(ctx, m.principal, 'READ').tasks ?? emptyBook).tasks;
}

export function getTask(ctx: Ctx, m: Msg<'getTask'>): ScheduledTask {
  return find(visible(ctx, m.principal, 'READ'), m.taskId);
}

export function updateTask(ctx: Ctx, m: Msg<'updateTask'>): ScheduledTask {
  const s = visible(ctx, m.principal, 'UPDATE');
  find(s, m.taskId);
  const now = ctx.clock.now();
  const task: ScheduledTask = { ...checked(m.task, now), id: m.taskId };
  arm(ctx, task, now);
  const book = s.tasks ?? emptyBook;
  commit(ctx, { ...s, tasks: { ...book, tasks: book.tasks.map((t) => (t.id === task.id ? task : t)) } }, m.principal, ['APPLICATION_TASK_SCHEDULED'], { taskId: task.id, action: task.action });
  return task;
}

export function deleteTask(ctx: Ctx, m: Msg<'deleteTask'>): null {
  const s = visible(ctx, m.principal, 'UPDATE');
  find(s, m.taskId);
  ctx.reminders.cancel(reminderOf(m.taskId));
  const book = s.tasks ?? emptyBook;
  commit(ctx, { ...s, tasks: { ...book, tasks: book.tasks.filter((t) => t.id !== m.taskId) } }, m.principal, ['APPLICATION_TASK_DELETED'], { taskId: m.taskId });
  return null;
}

/** Carries a task's action out; answers what the firing event adds (the blueprint's id for BLUEPRINT). */
async function carryOut(ctx: Ctx, s: Live, task: ScheduledTask, dueAt: number): Promise<Readonly<Record<string, unknown>>> {
  return match(task.action)
    .with('START', 'STOP', async (action) => {
      await applicationAction(ctx, { type: action === 'START' ? 'start' : 'stop', principal: { kind: 'system' } });
      return {};
    })
    .with('BLUEPRINT', async () => ({ blueprintId: (await saveTaskBlueprint(ctx, s, task, dueAt)).id }))
    .exhaustive();
}

/** A task's reminder: carries the action out (a refusal is the outcome, not an error), then re-arms. */
export async function fireTask(ctx: Ctx, reminder: Reminder): Promise<void> {
  const s = ctx.state;
  if (s.status !== 'live') return;
  const id = Number(reminder.name.slice(TASK_REMINDER_PREFIX.length));
  const task = (s.tasks ?? emptyBook).tasks.find((t) => t.id === id);
  if (task === undefined) return;
  let outcome = 'DONE';
  let made: Readonly<Record<string, unknown>> = {};
  try {
    made = await carryOut(ctx, s, task, reminder.dueAt);
  } catch (e) {
    // Not known whether it happened: this turn fails and the reminder fires again, same due time.
    if (e instanceof FiringUndecided) throw e;
    outcome = toRavelError(e).code;
  }
  const after = ctx.state;
  if (after.status !== 'live') return;
  const now = ctx.clock.now();
  arm(ctx, task, Math.max(now, reminder.dueAt));
  commit(ctx, after, system, ['APPLICATION_TASK_FIRED'], { taskId: id, action: task.action, outcome, dueAt: reminder.dueAt, ...made });
}
