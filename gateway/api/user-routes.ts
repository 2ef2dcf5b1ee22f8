/** `GET /users`, `POST /users/invite`, `GET/PUT/DELETE /users/{id}`, `changepw`, `enable`, `disable`. */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { ChangePassword, InviteUser, Name, Role } from '../../domain/schemas/index.ts';
import { created, defineRoute, empty, json, type AnyRoute, requestOptions } from '../http/route.ts';
import { IdParams, objectPath, only, who } from './api-paths.ts';

const UserPatch = Type.Object({
  name: Type.Optional(Name),
  surname: Type.Optional(Name),
  roles: Type.Optional(Type.Array(Role, { minItems: 1, maxItems: 3, uniqueItems: true })),
});

export function userRoutes(control: ControlPlane): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/users',
      auth: 'session-or-token',
      schema: {},
      summary: "The organization's users",
      handler: async (req) => json(await control.listUsers(who(req))),
    }),
    defineRoute({
      method: 'POST',
      path: '/users/invite',
      auth: 'session-or-token',
      schema: { body: InviteUser },
      summary: 'Invites a user (no password until they set one)',
      successStatus: 201,
      handler: async (req) => {
        const body = only(req.body, ['email', 'name', 'surname', 'roles']);
        const user = await control.inviteUser(who(req), body, requestOptions(req));
        return created(user, objectPath('users', user.id));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/users/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      handler: async (req) => json(await control.getUser(who(req), req.params.id)),
    }),
    defineRoute({
      method: 'PUT',
      changesCredentials: true,
      path: '/users/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams, body: UserPatch },
      summary: 'Edits name, surname and roles',
      handler: async (req) =>
        json(await control.updateUser(who(req), req.params.id, only(req.body, ['name', 'surname', 'roles']))),
    }),
    defineRoute({
      method: 'DELETE',
      changesCredentials: true,
      path: '/users/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      successStatus: 204,
      handler: async (req) => {
        await control.deleteUser(who(req), req.params.id);
        return empty();
      },
    }),
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
    defineRoute({
      method: 'PUT',
      changesCredentials: true,
      path: '/users/{id}/enable',
      auth: 'session-or-token',
      schema: { params: IdParams },
      handler: async (req) => json(await control.enableUser(who(req), req.params.id)),
    }),
    defineRoute({
      method: 'PUT',
      changesCredentials: true,
      path: '/users/{id}/disable',
      auth: 'session-or-token',
      schema: { params: IdParams },
      handler: async (req) => json(await control.disableUser(who(req), req.params.id)),
    }),
  ];
}
