/**
 * When a scheduled task fires next: once at `start` without a cron expression, else at the
 * cron expression's next time after `after` within [start, end]. Cron expressions are read by
 * croner (5 fields, or 6-7 with seconds and year, Quartz's `?` accepted), always in UTC.
 */
import { Cron } from 'croner';
import { RavelError } from '../../core/errors.ts';
import type { ScheduleInfo } from '../schemas/task.ts';

function cronOf(expression: string): Cron {
  try {
    return new Cron(expression, { paused: true, timezone: 'UTC' });
  } catch (e) {
    throw new RavelError('INVALID_ARGUMENT', `scheduleInfo/cronExpression: ${(e as Error).message}`, {
      cause: e,
      details: { field: 'scheduleInfo/cronExpression' },
    });
  }
}

/** Checks a schedule once when the task is created or edited; throws INVALID_ARGUMENT. */
export function validateSchedule(info: ScheduleInfo, now: number): void {
  if (info.cronExpression === undefined && info.start === undefined) {
    throw new RavelError('INVALID_ARGUMENT', 'scheduleInfo: a start time or a cron expression is needed', { details: { field: 'scheduleInfo' } });
  }
  if (info.start !== undefined && info.end !== undefined && info.end < info.start) {
    throw new RavelError('INVALID_ARGUMENT', 'scheduleInfo/end: before start', { details: { field: 'scheduleInfo/end' } });
  }
  if (info.cronExpression !== undefined) cronOf(info.cronExpression);
  if (nextFireTime(info, now) === undefined) {
    throw new RavelError('INVALID_ARGUMENT', 'scheduleInfo: the schedule never fires after now', { details: { field: 'scheduleInfo' } });
  }
}

/**
 * The first firing strictly after `after` (ms), or undefined when none is left. Give the time of
 * the last firing as `after` to catch up on one missed firing after a restart, or `now` to skip
 * the missed ones.
 */
export function nextFireTime(info: ScheduleInfo, after: number): number | undefined {
  if (info.cronExpression === undefined) {
    return info.start !== undefined && info.start > after ? info.start : undefined;
  }
  const cron = cronOf(info.cronExpression);
  // croner looks strictly after the given instant; starting a millisecond before `start` makes `start` itself eligible.
  const from = info.start !== undefined && info.start - 1 > after ? info.start - 1 : after;
  const next = cron.nextRun(new Date(from));
  if (next === null) return undefined;
  const t = next.getTime();
  return info.end !== undefined && t > info.end ? undefined : t;
}
