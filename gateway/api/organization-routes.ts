/** `GET /organization`, `PUT /organizations/{id}`, `GET /limits`, and the operators' `POST /admin/organizations`. */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { Description, IdentityDomain, Name, Password, UserName } from '../../domain/schemas/index.ts';
import { created, defineRoute, json, requestOptions, type AnyRoute } from '../http/route.ts';
import { IdParams, objectPath, only, who } from './api-paths.ts';

/** An organization with its first admin, who can log in at once. */
const CreateOrganizationBody = Type.Object({
  name: Name,
  description: Type.Optional(Description),
  identityDomain: Type.Optional(IdentityDomain),
  admin: Type.Object({
    email: UserName,
    password: Password,
    name: Type.Optional(Name),
    surname: Type.Optional(Name),
  }),
});

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
    defineRoute({
      method: 'POST',
      path: '/admin/organizations',
      auth: 'operator',
      schema: { body: CreateOrganizationBody },
      summary: 'Operators: an organization and its first admin user (answers both)',
      successStatus: 201,
      handler: async (req) => {
        const r = await control.createOrganization(who(req), req.body, requestOptions(req));
        return created(r, objectPath('organizations', r.organization.id));
      },
    }),
  ];
}
