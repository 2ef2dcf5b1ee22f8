/**
 * Applications, deployment side: publish, publishUpdates, start, stop, restart, setExpiration, calcPrice, the
 * `;deployment` aspect, `isPublished` and `publishLocations`. The VMs inside an application
 * are in `deployment-vm-routes.ts`.
 */
import { PublishUpdatesOptions, type ControlPlane } from '../../control/control-plane.ts';
import { PublishRequest, SetExpiration } from '../../domain/schemas/index.ts';
import { defineRoute, type AnyRoute, requestOptions } from '../http/route.ts';
import { applicationReply, IdParams, who } from './api-paths.ts';
import { deploymentVmRoutes } from './deployment-vm-routes.ts';
import { idBodyRoute, idRoute } from './route-shapes.ts';

type WholeAppAction = 'start' | 'stop' | 'restart';

function wholeAppAction(control: ControlPlane, action: WholeAppAction): AnyRoute {
  return idRoute({
    method: 'POST',
    path: `/applications/{id}/${action}`,
    summary: `${action[0]?.toUpperCase() ?? ''}${action.slice(1)}s every VM that can; 409 ILLEGAL_STATE when none can`,
    reply: applicationReply,
    answer: (p, id, o) =>
      action === 'start'
        ? control.startApplication(p, id, o)
        : action === 'stop'
          ? control.stopApplication(p, id, o)
          : control.restartApplication(p, id, o),
  });
}

export function deploymentRoutes(control: ControlPlane): AnyRoute[] {
  return [
    idBodyRoute({
      method: 'POST',
      path: '/applications/{id}/publish',
      body: PublishRequest,
      summary: 'Places the design on HVX hosts; naming preferredRegion implies PERFORMANCE_OPTIMIZED',
      reply: applicationReply,
      answer: (p, id, b, o) => {
        // The SDK may send optimizationLevel COST_OPTIMIZED with a region; the region wins.
        const body: PublishRequest =
          b.preferredRegion !== undefined ? { ...b, optimizationLevel: 'PERFORMANCE_OPTIMIZED' } : b;
        return control.publishApplication(p, id, body, o);
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
    idBodyRoute({
      method: 'POST',
      path: '/applications/{id}/setExpiration',
      body: SetExpiration,
      summary: 'Stops the application by itself after expirationFromNowSeconds (-1: never); shows as nextStopTime',
      reply: applicationReply,
      answer: (p, id, b) => control.setExpiration(p, id, { expirationFromNowSeconds: b.expirationFromNowSeconds }),
    }),
    idRoute({
      method: 'GET',
      path: '/applications/{id};deployment',
      summary: 'The application without its design; each VM of the deployment with its state',
      answer: (p, id) => control.getApplication(p, id, 'deployment'),
    }),
    idRoute({
      method: 'GET',
      path: '/applications/{id}/isPublished',
      summary: '`{value: boolean}`',
      answer: async (p, id) => ({ value: await control.isPublished(p, id) }),
    }),
    idRoute({
      method: 'GET',
      path: '/applications/{id}/publishLocations',
      summary: 'Where the application runs: `[{regionName}]`, empty for a draft',
      answer: async (p, id) => (await control.publishLocations(p, id)).map((regionName) => ({ regionName })),
    }),
    ...(['design', 'deployment'] as const).map((aspect) =>
      idRoute({
        method: 'POST',
        path: `/applications/{id}/calcPrice;${aspect}`,
        summary: `Hourly price of the ${aspect}'s VMs: {region, vms, totalMicrosPerHour, totalPerHour}`,
        answer: (p, id) => control.calcPrice(p, id, aspect),
      }),
    ),
    ...deploymentVmRoutes(control),
  ];
}
