/** Scheduled tasks of an application. */
import { Type, type Static } from '@sinclair/typebox';
import { Description, EpochMillis, Name, ServerId } from './common.ts';

export const TaskAction = Type.Union([Type.Literal('START'), Type.Literal('STOP'), Type.Literal('BLUEPRINT')]);
export type TaskAction = Static<typeof TaskAction>;

/** When a task fires: once at `start` without a cron expression, else by cron within [start, end]. */
export const ScheduleInfo = Type.Object({
  start: Type.Optional(EpochMillis),
  end: Type.Optional(EpochMillis),
  cronExpression: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});
export type ScheduleInfo = Static<typeof ScheduleInfo>;

export const ScheduledTask = Type.Object({
  id: ServerId,
  action: TaskAction,
  scheduleInfo: ScheduleInfo,
  description: Type.Optional(Description),
  /** For BLUEPRINT (required there, refused on START and STOP): the name of the blueprint each firing saves. */
  blueprintName: Type.Optional(Name),
});
export type ScheduledTask = Static<typeof ScheduledTask>;

export const CreateScheduledTask = Type.Object({
  action: TaskAction,
  scheduleInfo: ScheduleInfo,
  description: Type.Optional(Description),
  blueprintName: Type.Optional(Name),
});
export type CreateScheduledTask = Static<typeof CreateScheduledTask>;
