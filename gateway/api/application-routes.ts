/**
 * Applications, design side: list, create, get (whole, `;design`, `;properties`), `PUT`,
 * `DELETE`, `POST /applications/filter`, and `POST /applications/{id}/vms` with `{baseVmId}`.
 */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import {
  AddVmRequest, Description, Design, FilterCriterion, Name, ServerId, UpdateApplication, type Application,
} from '../../domain/schemas/index.ts';
import { created, defineRoute, empty, json, jsonValue, type AnyRoute, requestOptions } from '../http/route.ts';
import { IdParams, objectPath, only, who } from './api-paths.ts';

/**
 * `POST /applications` flat rather than the domain's union, so a bad field is named in the
 * answer (a union only says that no branch matched); the handler picks the branch.
 */
const CreateApplicationBody = Type.Object({
  name: Name,
  description: Type.Optional(Description),
  design: Type.Optional(Design),
  baseBlueprintId: Type.Optional(ServerId),
});

/** The `;properties` aspect: the application without its design and deployment. */
function properties(app: Application): Omit<Application, 'design' | 'deployment'> {
  const { design: _design, deployment: _deployment, ...rest } = app;
  return rest;
}

export function applicationRoutes(control: ControlPlane): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/applications',
      auth: 'session-or-token',
      schema: {},
      summary: 'Every application the caller may see, in summary',
      handler: async (req) => json(await control.listApplications(who(req))),
    }),
    defineRoute({
      method: 'POST',
      path: '/applications',
      auth: 'session-or-token',
      schema: { body: CreateApplicationBody },
      summary: 'Creates an application, empty, from a design, or from a blueprint',
      successStatus: 201,
      handler: async (req) => {
        const b = req.body;
        const input =
          b.baseBlueprintId !== undefined
            ? { ...only(b, ['name', 'description']), baseBlueprintId: b.baseBlueprintId }
            : only(b, ['name', 'description', 'design']);
        const app = await control.createApplication(who(req), input, requestOptions(req));
        return created(app, objectPath('applications', app.id));
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/applications/filter',
      auth: 'session-or-token',
      schema: { body: FilterCriterion },
      summary: 'Applications matching a criterion',
      handler: async (req) => json(await control.filterApplications(who(req), req.body)),
    }),
    defineRoute({
      method: 'GET',
      path: '/applications/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      // The actor's state object itself in embedded mode: encoded once while unchanged.
      handler: async (req) => jsonValue(await control.getApplication(who(req), req.params.id)),
      // An idle application actor on this node answers within uWS's handler.
      answerNow: (req) => {
        const app = control.getApplicationNow?.(who(req), req.params.id);
        return app === undefined ? undefined : jsonValue(app);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/applications/{id};design',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'The application with its design aspect only',
      handler: async (req) => json(await control.getApplication(who(req), req.params.id, 'design')),
    }),
    defineRoute({
      method: 'GET',
      path: '/applications/{id};properties',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'The application without design or deployment',
      handler: async (req) => json(properties(await control.getApplication(who(req), req.params.id))),
    }),
    defineRoute({
      method: 'PUT',
      path: '/applications/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams, body: UpdateApplication },
      summary: 'Edits name, description and design; other fields of a read-back object are ignored',
      handler: async (req) =>
        json(
          await control.updateApplication(who(req), req.params.id, only(req.body, ['name', 'description', 'design'])),
        ),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/applications/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'Deletes it; a published one is first taken off its hosts (VMs powered off and undefined, room released)',
      successStatus: 204,
      handler: async (req) => {
        await control.deleteApplication(who(req), req.params.id);
        return empty();
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/applications/{id}/vms',
      auth: 'session-or-token',
      schema: { params: IdParams, body: AddVmRequest },
      summary: 'Adds a library VM to the design; answers the application',
      handler: async (req) => {
        const app = await control.addVm(who(req), req.params.id, only(req.body, ['baseVmId', 'name']), requestOptions(req));
        return json(app, { headers: { 'content-location': objectPath('applications', app.id) } });
      },
    }),
  ];
}
