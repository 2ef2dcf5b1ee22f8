/** `GET /events` (event names) and `POST /notifications/search` over the tenant's event stream. */
import { Type } from '@sinclair/typebox';
import type { ControlPlane, NotificationsQuery } from '../../control/control-plane.ts';
import { EpochMillis, EventNameSchema } from '../../domain/schemas/index.ts';
import { defineRoute, json, type AnyRoute } from '../http/route.ts';
import { only, who } from './api-paths.ts';
import { readRoute } from './route-shapes.ts';

const SearchNotifications = Type.Object({
  dateRange: Type.Optional(
    Type.Object({ startTime: Type.Optional(EpochMillis), endTime: Type.Optional(EpochMillis) }),
  ),
  eventNames: Type.Optional(Type.Array(EventNameSchema, { maxItems: 256 })),
  maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
});

export function eventRoutes(control: ControlPlane): AnyRoute[] {
  return [
    readRoute({ path: '/events', summary: 'Every event name', read: (p) => control.eventNames(p) }),
    defineRoute({
      method: 'POST',
      path: '/notifications/search',
      auth: 'session-or-token',
      schema: { body: SearchNotifications },
      summary: "The organization's events in a time range, of the named kinds",
      handler: async (req) => {
        const { dateRange, ...rest } = only(req.body, ['dateRange', 'eventNames', 'maxResults']);
        const query: NotificationsQuery =
          dateRange === undefined ? rest : { ...rest, dateRange: only(dateRange, ['startTime', 'endTime']) };
        return json(await control.searchNotifications(who(req), query));
      },
    }),
  ];
}
