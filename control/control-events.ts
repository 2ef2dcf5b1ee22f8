/**
 * `POST /notifications/search` for the control plane: the caller must read the organization's
 * events, and gets only the records it may see (domain/tenancy/event-visibility.ts), the same
 * rule the live WebSocket applies.
 */
import type { Clock } from '../core/clock.ts';
import type { EventRecord } from '../domain/events.ts';
import { parseInput } from '../domain/schemas/index.ts';
import { authorizeOrThrow } from '../domain/tenancy/authorize.ts';
import { eventVisibility } from '../domain/tenancy/event-visibility.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { NotificationsQuerySchema, searchNotifications } from '../events/notifications.ts';
import type { TenantEventLog } from '../events/tenant-event-log.ts';
import { tenantOf } from './control-asks.ts';

export async function notifications(log: TenantEventLog, clock: Clock, p: Principal, query: unknown): Promise<EventRecord[]> {
  const tenant = tenantOf(p);
  const now = clock.now();
  authorizeOrThrow(p, 'READ', { type: 'EVENT', organizationId: tenant }, now);
  const q = parseInput(NotificationsQuerySchema, query, 'body');
  return searchNotifications(log, tenant, q, eventVisibility(p, tenant, now));
}
