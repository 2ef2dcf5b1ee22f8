/**
 * `GET/POST /blueprints`, `GET/DELETE /blueprints/{id}`, and (ours) its documentation notes.
 * An application is made from one with `POST /applications {name, baseBlueprintId}`.
 */
import type { ControlPlane } from '../../control/control-plane.ts';
import { CreateBlueprint } from '../../domain/schemas/index.ts';
import { created, defineRoute, empty, json, requestOptions, type AnyRoute } from '../http/route.ts';
import { IdParams, objectPath, only, who } from './api-paths.ts';
import { documentationRoutes } from './image-routes.ts';

export function blueprintRoutes(control: ControlPlane): AnyRoute[] {
  return [
    defineRoute({ method: 'GET', path: '/blueprints', auth: 'session-or-token', schema: {}, handler: async (req) => json(await control.listBlueprints(who(req))) }),
    defineRoute({
      method: 'POST',
      path: '/blueprints',
      auth: 'session-or-token',
      schema: { body: CreateBlueprint },
      summary: 'Saves the whole application, every disk cloned; loadingStatus SAVING, then DONE',
      successStatus: 201,
      handler: async (req) => {
        const bp = await control.createBlueprint(who(req), only(req.body, ['applicationId', 'blueprintName', 'description', 'offline']), requestOptions(req));
        return created(bp, objectPath('blueprints', bp.id));
      },
    }),
    defineRoute({ method: 'GET', path: '/blueprints/{id}', auth: 'session-or-token', schema: { params: IdParams }, handler: async (req) => json(await control.getBlueprint(who(req), req.params.id)) }),
    defineRoute({
      method: 'DELETE',
      path: '/blueprints/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'Refused (409) while SAVING; applications made from it keep their disks',
      successStatus: 204,
      handler: async (req) => {
        await control.deleteBlueprint(who(req), req.params.id);
        return empty();
      },
    }),
    ...documentationRoutes(control, 'blueprints', 'blueprint'),
  ];
}
