/**
 * Scheduled tasks of an application: `GET/POST /applications/{id}/tasks`, `GET/PUT/DELETE
 * /applications/{id}/tasks/{task}`, bodies `{action: START or STOP, scheduleInfo: {start, end,
 * cronExpression}, description}`. A created task answers 201 with its `Location`.
 */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { CreateScheduledTask, ServerId } from '../../domain/schemas/index.ts';
import { created, defineRoute, empty, json, type AnyRoute } from '../http/route.ts';
import { IdParams, objectPath, only, who } from './api-paths.ts';
import { idRoute } from './route-shapes.ts';

const TaskParams = Type.Object({ id: ServerId, task: ServerId });
const editable = ['action', 'scheduleInfo', 'description', 'blueprintName'] as const;

export function taskRoutes(control: ControlPlane): AnyRoute[] {
  return [
    idRoute({ method: 'GET', path: '/applications/{id}/tasks', summary: "The application's scheduled tasks", answer: (p, id) => control.listTasks(p, id) }),
    defineRoute({
      method: 'POST',
      path: '/applications/{id}/tasks',
      auth: 'session-or-token',
      schema: { params: IdParams, body: CreateScheduledTask },
      summary: 'Schedules START or STOP, once at scheduleInfo.start or by a UTC cron expression within [start, end]',
      successStatus: 201,
      handler: async (req) => {
        const task = await control.createTask(who(req), req.params.id, only(req.body, editable));
        return created(task, objectPath(`applications/${req.params.id}/tasks`, task.id));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/applications/{id}/tasks/{task}',
      auth: 'session-or-token',
      schema: { params: TaskParams },
      handler: async (req) => json(await control.getTask(who(req), req.params.id, req.params.task)),
    }),
    defineRoute({
      method: 'PUT',
      path: '/applications/{id}/tasks/{task}',
      auth: 'session-or-token',
      schema: { params: TaskParams, body: CreateScheduledTask },
      summary: 'Replaces the action and schedule; other fields of a read-back task are ignored',
      handler: async (req) => json(await control.updateTask(who(req), req.params.id, req.params.task, only(req.body, editable))),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/applications/{id}/tasks/{task}',
      auth: 'session-or-token',
      schema: { params: TaskParams },
      successStatus: 204,
      handler: async (req) => {
        await control.deleteTask(who(req), req.params.id, req.params.task);
        return empty();
      },
    }),
  ];
}
