/**
 * Applications, deployment side: publish, publishUpdates, start, stop, restart, setExpiration, calcPrice, the
 * `;deployment` aspect, `isPublished` and `publishLocations`. The VMs inside an application
 * are in `deployment-vm-routes.ts`.
 */
import { PublishUpdatesOptions, type ControlPlane } from '../../control/control-plane.ts';
import { PublishRequest, SetExpiration } from '../../domain/schemas/index.ts';
import { defineRoute, json, type AnyRoute, requestOptions } from '../http/route.ts';
import { applicationReply, IdParams, who } from './api-paths.ts';
import { deploymentVmRoutes } from './deployment-vm-routes.ts';

type WholeAppAction = 'start' | 'stop' | 'restart';

function wholeAppAction(control: ControlPlane, action: WholeAppAction): AnyRoute {
  return defineRoute({
    method: 'POST',
    path: `/applications/{id}/${action}`,
    auth: 'session-or-token',
    schema: { params: IdParams },
    summary: `${action[0]?.toUpperCase() ?? ''}${action.slice(1)}s every VM that can; 409 ILLEGAL_STATE when none can`,
    handler: async (req) => {
      const p = who(req);
      const id = req.params.id;
      const o = requestOptions(req);
      const app =
        action === 'start'
          ? await control.startApplication(p, id, o)
          : action === 'stop'
            ? await control.stopApplication(p, id, o)
            : await control.restartApplication(p, id, o);
      return applicationReply(app);
    },
  });
}

export function deploymentRoutes(control: ControlPlane): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/applications/{id}/publish',
      auth: 'session-or-token',
      schema: { params: IdParams, body: PublishRequest },
      summary: 'Places the design on HVX hosts; naming preferredRegion implies PERFORMANCE_OPTIMIZED',
      handler: async (req) => {
        const b = req.body;
        // The SDK may send optimizationLevel COST_OPTIMIZED with a region; the region wins.
        const body: PublishRequest =
          b.preferredRegion !== undefined ? { ...b, optimizationLevel: 'PERFORMANCE_OPTIMIZED' } : b;
        return applicationReply(await control.publishApplication(who(req), req.params.id, body, requestOptions(req)));
      },
    }),
    wholeAppAction(control, 'start'),
    wholeAppAction(control, 'stop'),
    wholeAppAction(control, 'restart'),
    defineRoute({
      method: 'POST',
      path: '/applications/{id}/publishUpdates',
      auth: 'session-or-token',
      schema: { params: IdParams, query: PublishUpdatesOptions },
      summary: 'Applies the design edits to the deployment (designDiffersFromDeployment); added VMs start unless startAllDraftVms=false',
      handler: async (req) => {
        const q = req.query.startAllDraftVms;
        return applicationReply(await control.publishUpdates(who(req), req.params.id, q === undefined ? {} : { startAllDraftVms: q }, requestOptions(req)));
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/applications/{id}/setExpiration',
      auth: 'session-or-token',
      schema: { params: IdParams, body: SetExpiration },
      summary: 'Stops the application by itself after expirationFromNowSeconds (-1: never); shows as nextStopTime',
      handler: async (req) =>
        applicationReply(
          await control.setExpiration(who(req), req.params.id, {
            expirationFromNowSeconds: req.body.expirationFromNowSeconds,
          }),
        ),
    }),
    defineRoute({
      method: 'GET',
      path: '/applications/{id};deployment',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'The application without its design; each VM of the deployment with its state',
      handler: async (req) => json(await control.getApplication(who(req), req.params.id, 'deployment')),
    }),
    defineRoute({
      method: 'GET',
      path: '/applications/{id}/isPublished',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: '`{value: boolean}`',
      handler: async (req) => json({ value: await control.isPublished(who(req), req.params.id) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/applications/{id}/publishLocations',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'Where the application runs: `[{regionName}]`, empty for a draft',
      handler: async (req) =>
        json((await control.publishLocations(who(req), req.params.id)).map((regionName) => ({ regionName }))),
    }),
    ...(['design', 'deployment'] as const).map((aspect) =>
      defineRoute({
        method: 'POST',
        path: `/applications/{id}/calcPrice;${aspect}`,
        auth: 'session-or-token',
        schema: { params: IdParams },
        summary: `Hourly price of the ${aspect}'s VMs: {region, vms, totalMicrosPerHour, totalPerHour}`,
        handler: async (req) => json(await control.calcPrice(who(req), req.params.id, aspect)),
      }),
    ),
    ...deploymentVmRoutes(control),
  ];
}
