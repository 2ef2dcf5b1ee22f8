/** `GET /users`, `POST /users/invite`, `GET/PUT/DELETE /users/{id}`, `changepw`, `enable`, `disable`. */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { ChangePassword, InviteUser, Name, Role } from '../../domain/schemas/index.ts';
import { defineRoute, empty, type AnyRoute } from '../http/route.ts';
import { IdParams, only, who } from './api-paths.ts';
import { createRoute, deleteRoute, idBodyRoute, idRoute, readRoute } from './route-shapes.ts';

const UserPatch = Type.Object({
  name: Type.Optional(Name),
  surname: Type.Optional(Name),
  roles: Type.Optional(Type.Array(Role, { minItems: 1, maxItems: 3, uniqueItems: true })),
});

export function userRoutes(control: ControlPlane): AnyRoute[] {
  return [
    readRoute({ path: '/users', summary: "The organization's users", read: (p) => control.listUsers(p) }),
    createRoute({
      path: '/users/invite',
      collection: 'users',
      body: InviteUser,
      summary: 'Invites a user (no password until they set one)',
      create: (p, b, o) => control.inviteUser(p, only(b, ['email', 'name', 'surname', 'roles']), o),
    }),
    idRoute({ method: 'GET', path: '/users/{id}', answer: (p, id) => control.getUser(p, id) }),
    idBodyRoute({
      method: 'PUT',
      changesCredentials: true,
      path: '/users/{id}',
      body: UserPatch,
      summary: 'Edits name, surname and roles',
      answer: (p, id, b) => control.updateUser(p, id, only(b, ['name', 'surname', 'roles'])),
    }),
    deleteRoute({ path: '/users/{id}', changesCredentials: true, remove: (p, id) => control.deleteUser(p, id) }),
    defineRoute({
      method: 'PUT',
      changesCredentials: true,
      path: '/users/{id}/changepw',
      auth: 'session-or-token',
      schema: { params: IdParams, body: ChangePassword },
      summary: "One's own password needs existingPassword; an admin setting another's omits it",
      successStatus: 204,
      handler: async (req) => {
        await control.changePassword(who(req), req.params.id, only(req.body, ['existingPassword', 'newPassword']));
        return empty();
      },
    }),
    idRoute({ method: 'PUT', changesCredentials: true, path: '/users/{id}/enable', answer: (p, id) => control.enableUser(p, id) }),
    idRoute({ method: 'PUT', changesCredentials: true, path: '/users/{id}/disable', answer: (p, id) => control.disableUser(p, id) }),
  ];
}
