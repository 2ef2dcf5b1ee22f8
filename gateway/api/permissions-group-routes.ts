/** `GET/POST /permissionsGroups`, `GET/PUT/DELETE /permissionsGroups/{id}`, and its users. */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { Description, Name, Permission, ServerId } from '../../domain/schemas/index.ts';
import { defineRoute, json, type AnyRoute } from '../http/route.ts';
import { only, who } from './api-paths.ts';
import { createRoute, deleteRoute, idBodyRoute, idRoute, readRoute } from './route-shapes.ts';

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
    readRoute({ path: '/permissionsGroups', read: (p) => control.listPermissionsGroups(p) }),
    createRoute({
      path: '/permissionsGroups',
      collection: 'permissionsGroups',
      body: GroupBody,
      create: (p, b, o) => {
        const { permissions, ...rest } = only(b, ['name', 'description', 'permissions']);
        return control.createPermissionsGroup(p, { ...rest, permissions: permissions ?? [] }, o);
      },
    }),
    idRoute({ method: 'GET', path: '/permissionsGroups/{id}', answer: (p, id) => control.getPermissionsGroup(p, id) }),
    idBodyRoute({
      method: 'PUT',
      changesCredentials: true,
      path: '/permissionsGroups/{id}',
      body: GroupPatch,
      answer: (p, id, b) => control.updatePermissionsGroup(p, id, only(b, ['name', 'description', 'permissions'])),
    }),
    deleteRoute({ path: '/permissionsGroups/{id}', changesCredentials: true, remove: (p, id) => control.deletePermissionsGroup(p, id) }),
    idRoute({ method: 'GET', path: '/permissionsGroups/{id}/users', answer: (p, id) => control.listPermissionsGroupUsers(p, id) }),
    idBodyRoute({
      method: 'POST',
      changesCredentials: true,
      path: '/permissionsGroups/{id}/users',
      body: AddUser,
      summary: 'Adds `{userId}` to the group; answers the group',
      answer: (p, id, b) => control.addPermissionsGroupUser(p, id, b.userId),
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
