/** `GET /organization`, `PUT /organizations/{id}`, `GET /limits`. */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { Description, Name } from '../../domain/schemas/index.ts';
import { defineRoute, json, type AnyRoute } from '../http/route.ts';
import { IdParams, only, who } from './api-paths.ts';

const OrganizationPatch = Type.Object({
  name: Type.Optional(Name),
  description: Type.Optional(Description),
});

export function organizationRoutes(control: ControlPlane): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/organization',
      auth: 'session-or-token',
      schema: {},
      summary: "The caller's organization",
      handler: async (req) => json(await control.getOrganization(who(req))),
    }),
    defineRoute({
      method: 'PUT',
      path: '/organizations/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams, body: OrganizationPatch },
      summary: "Renames or redescribes the caller's organization",
      handler: async (req) =>
        json(
          await control.updateOrganization(who(req), req.params.id, only(req.body, ['name', 'description'])),
        ),
    }),
    defineRoute({
      method: 'GET',
      path: '/limits',
      auth: 'session-or-token',
      schema: {},
      summary: 'What the organization may use at once',
      handler: async (req) => json(await control.getLimits(who(req))),
    }),
  ];
}
