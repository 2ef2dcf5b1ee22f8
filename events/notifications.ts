/**
 * `POST /notifications/search` over a tenant's event stream: records in a time range, of some
 * event names, in stream order (or the newest `maxResults`). A scan of the tenant's stream: the
 * record time is when the change happened, which forwarded events make only nearly monotonic.
 * Only the records the caller may see count (domain/tenancy/event-visibility.ts), `maxResults`
 * included.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { EventRecord } from '../domain/events.ts';
import { sees, type EventVisibility } from '../domain/tenancy/event-visibility.ts';
import { EpochMillis } from '../domain/schemas/common.ts';
import { EventNameSchema } from '../domain/schemas/event.ts';
import type { TenantEventLog } from './tenant-event-log.ts';

export const MAX_NOTIFICATIONS = 10_000;

export const NotificationsQuerySchema = Type.Object({
  dateRange: Type.Optional(Type.Object({ startTime: Type.Optional(EpochMillis), endTime: Type.Optional(EpochMillis) })),
  eventNames: Type.Optional(Type.Array(EventNameSchema, { maxItems: 128 })),
  maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_NOTIFICATIONS })),
});
export type NotificationsQuerySchema = Static<typeof NotificationsQuerySchema>;

export async function searchNotifications(log: TenantEventLog, tenantId: number, q: NotificationsQuerySchema, visible: EventVisibility): Promise<EventRecord[]> {
  if (visible.kind === 'none') return [];
  const from = q.dateRange?.startTime ?? 0;
  const to = q.dateRange?.endTime ?? Number.MAX_SAFE_INTEGER;
  const names = q.eventNames === undefined ? undefined : new Set<string>(q.eventNames);
  const limit = q.maxResults ?? MAX_NOTIFICATIONS;
  const out: EventRecord[] = [];
  for await (const r of log.read(tenantId)) {
    if (r.time < from || r.time > to || (names !== undefined && !names.has(r.name)) || !sees(visible, r)) continue;
    out.push(r);
    if (out.length > limit) out.shift();
  }
  return out;
}
