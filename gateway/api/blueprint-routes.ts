/**
 * `GET/POST /blueprints`, `GET/DELETE /blueprints/{id}`, and (ours) its documentation notes.
 * An application is made from one with `POST /applications {name, baseBlueprintId}`.
 */
import type { ControlPlane } from '../../control/control-plane.ts';
import { CreateBlueprint } from '../../domain/schemas/index.ts';
import type { AnyRoute } from '../http/route.ts';
import { only } from './api-paths.ts';
import { documentationRoutes } from './image-routes.ts';
import { createRoute, deleteRoute, idRoute, readRoute } from './route-shapes.ts';

export function blueprintRoutes(control: ControlPlane): AnyRoute[] {
  return [
    readRoute({ path: '/blueprints', read: (p) => control.listBlueprints(p) }),
    createRoute({
      path: '/blueprints',
      collection: 'blueprints',
      body: CreateBlueprint,
      summary: 'Saves the whole application, every disk cloned; loadingStatus SAVING, then DONE',
      create: (p, b, o) => control.createBlueprint(p, only(b, ['applicationId', 'blueprintName', 'description', 'offline']), o),
    }),
    idRoute({ method: 'GET', path: '/blueprints/{id}', answer: (p, id) => control.getBlueprint(p, id) }),
    deleteRoute({
      path: '/blueprints/{id}',
      summary: 'Refused (409) while SAVING; applications made from it keep their disks',
      remove: (p, id) => control.deleteBlueprint(p, id),
    }),
    ...documentationRoutes(control, 'blueprints', 'blueprint'),
  ];
}
