/** `GET /billing[?year=&month=]`: each VM's run time times its price, by month, from the event stream. */
import { BillingQuery } from '../../control/control-billing.ts';
import type { ControlPlane } from '../../control/control-plane.ts';
import { defineRoute, json, type AnyRoute } from '../http/route.ts';
import { who } from './api-paths.ts';

export function billingRoutes(control: ControlPlane): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/billing',
      auth: 'session-or-token',
      schema: { query: BillingQuery },
      summary: 'Lines of {month, applicationId, vmId, runMs, hours, micros, charge}; one month with year and month',
      handler: async (req) => json(await control.billing(who(req), req.query)),
    }),
  ];
}
