/** `GET/POST /permissionsGroups`, `GET/PUT/DELETE /permissionsGroups/{id}`, and its users. */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { Description, Name, Permission, ServerId } from '../../domain/schemas/index.ts';
import { created, defineRoute, empty, json, type AnyRoute, requestOptions } from '../http/route.ts';
import { IdParams, objectPath, only, who } from './api-paths.ts';

const Permissions = Type.Array(Permission, { maxItems: 64 });
const GroupBody = Type.Object({
  name: Name,
  description: Type.Optional(Description),
  permissions: Type.Optional(Permissions),
});
const GroupPatch = Type.Partial(GroupBody);
const GroupUserParams = Type.Object({ id: ServerId, userId: ServerId });
const AddUser = Type.Object({ userId: ServerId });

export function permissionsGroupRoutes(control: ControlPlane): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/permissionsGroups',
      auth: 'session-or-token',
      schema: {},
      handler: async (req) => json(await control.listPermissionsGroups(who(req))),
    }),
    defineRoute({
      method: 'POST',
      path: '/permissionsGroups',
      auth: 'session-or-token',
      schema: { body: GroupBody },
      successStatus: 201,
      handler: async (req) => {
        const { permissions, ...rest } = only(req.body, ['name', 'description', 'permissions']);
        const group = await control.createPermissionsGroup(who(req), { ...rest, permissions: permissions ?? [] }, requestOptions(req));
        return created(group, objectPath('permissionsGroups', group.id));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/permissionsGroups/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      handler: async (req) => json(await control.getPermissionsGroup(who(req), req.params.id)),
    }),
    defineRoute({
      method: 'PUT',
      changesCredentials: true,
      path: '/permissionsGroups/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams, body: GroupPatch },
      handler: async (req) =>
        json(
          await control.updatePermissionsGroup(
            who(req),
            req.params.id,
            only(req.body, ['name', 'description', 'permissions']),
          ),
        ),
    }),
    defineRoute({
      method: 'DELETE',
      changesCredentials: true,
      path: '/permissionsGroups/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      successStatus: 204,
      handler: async (req) => {
        await control.deletePermissionsGroup(who(req), req.params.id);
        return empty();
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/permissionsGroups/{id}/users',
      auth: 'session-or-token',
      schema: { params: IdParams },
      handler: async (req) => json(await control.listPermissionsGroupUsers(who(req), req.params.id)),
    }),
    defineRoute({
      method: 'POST',
      changesCredentials: true,
      path: '/permissionsGroups/{id}/users',
      auth: 'session-or-token',
      schema: { params: IdParams, body: AddUser },
      summary: 'Adds `{userId}` to the group; answers the group',
      handler: async (req) =>
        json(await control.addPermissionsGroupUser(who(req), req.params.id, req.body.userId)),
    }),
    defineRoute({
      method: 'DELETE',
      changesCredentials: true,
      path: '/permissionsGroups/{id}/users/{userId}',
      auth: 'session-or-token',
      schema: { params: GroupUserParams },
      summary: 'Removes a user from the group; answers the group',
      handler: async (req) =>
        json(await control.removePermissionsGroupUser(who(req), req.params.id, req.params.userId)),
    }),
  ];
}
