/**
 * `GET /billing[?year=&month=]`: each VM's run time times its price, by month, read from the
 * tenant's event stream (domain/billing). A VM still running is billed up to now. Only the
 * applications the caller may read are billed to it: BILLING READ with a grant scoped to some
 * applications does not show the others' runs (domain/tenancy/event-visibility.ts, the records
 * whose object the principal may read).
 */
import { Type, type Static } from '@sinclair/typebox';
import { RavelError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import { billForMonth, billRuns } from '../domain/billing/billing.ts';
import { billingChanges } from '../domain/billing/billing-events.ts';
import { MICROS } from '../domain/billing/pricing.ts';
import { parseInput } from '../domain/schemas/index.ts';
import type { EventRecord } from '../domain/events.ts';
import { authorizeOrThrow } from '../domain/tenancy/authorize.ts';
import { sees, subjectVisibility } from '../domain/tenancy/event-visibility.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import type { TenantEventLog } from '../events/tenant-event-log.ts';
import { tenantOf } from './control-asks.ts';

export const BillingQuery = Type.Object(
  { year: Type.Optional(Type.Integer({ minimum: 1970, maximum: 9999 })), month: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })) },
  { additionalProperties: false },
);
export type BillingQuery = Static<typeof BillingQuery>;

/** One VM's month. `charge` is in currency units, `micros` the exact integer. */
export interface BillingLine {
  readonly month: string;
  readonly applicationId: number;
  readonly vmId: string;
  readonly runMs: number;
  readonly hours: number;
  readonly micros: number;
  readonly charge: number;
}

export async function billing(log: Pick<TenantEventLog, 'read'>, clock: Clock, p: Principal, query: BillingQuery): Promise<BillingLine[]> {
  const tenant = tenantOf(p);
  authorizeOrThrow(p, 'READ', { type: 'BILLING', organizationId: tenant }, clock.now());
  const q = parseInput(BillingQuery, query ?? {}, 'query');
  if ((q.year === undefined) !== (q.month === undefined)) {
    throw new RavelError('INVALID_ARGUMENT', 'year and month go together', { details: { field: q.year === undefined ? 'year' : 'month' } });
  }
  const visible = subjectVisibility(p, tenant, clock.now());
  const records: EventRecord[] = [];
  for await (const r of log.read(tenant)) if (sees(visible, r)) records.push(r);
  const all = billRuns(billingChanges(records), clock.now());
  const lines = q.year !== undefined && q.month !== undefined ? billForMonth(all, q.year, q.month) : all;
  return lines.map((l) => ({ month: l.month, applicationId: l.applicationId, vmId: l.vmKey, runMs: l.runMs, hours: l.runMs / 3_600_000, micros: l.micros, charge: l.micros / MICROS }));
}
