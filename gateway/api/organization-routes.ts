/** `GET /organization`, `PUT /organizations/{id}`, `GET /limits`, and the operators' `POST /admin/organizations`. */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { Description, IdentityDomain, Name, Password, UserName } from '../../domain/schemas/index.ts';
import { created, defineRoute, requestOptions, type AnyRoute } from '../http/route.ts';
import { objectPath, only, who } from './api-paths.ts';
import { idBodyRoute, readRoute } from './route-shapes.ts';

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
    readRoute({ path: '/organization', summary: "The caller's organization", read: (p) => control.getOrganization(p) }),
    idBodyRoute({
      method: 'PUT',
      path: '/organizations/{id}',
      body: OrganizationPatch,
      summary: "Renames or redescribes the caller's organization",
      answer: (p, id, b) => control.updateOrganization(p, id, only(b, ['name', 'description'])),
    }),
    readRoute({ path: '/limits', summary: 'What the organization may use at once', read: (p) => control.getLimits(p) }),
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
