/** `GET/POST /ephemeralAccessTokens`, `GET/PUT/DELETE /ephemeralAccessTokens/{id}`. */
import type { ControlPlane } from '../../control/control-plane.ts';
import { CreateEphemeralToken, TokenPatch } from '../../domain/schemas/index.ts';
import type { AnyRoute } from '../http/route.ts';
import { only } from './api-paths.ts';
import { createRoute, deleteRoute, idBodyRoute, idRoute, readRoute } from './route-shapes.ts';

export function tokenRoutes(control: ControlPlane): AnyRoute[] {
  return [
    readRoute({ path: '/ephemeralAccessTokens', read: (p) => control.listTokens(p) }),
    createRoute({
      path: '/ephemeralAccessTokens',
      collection: 'ephemeralAccessTokens',
      body: CreateEphemeralToken,
      summary: 'A time-limited token; its value is answered once, in `token`',
      create: (p, b) => control.createToken(p, only(b, ['name', 'description', 'expirationTime', 'permissions'])),
    }),
    idRoute({ method: 'GET', path: '/ephemeralAccessTokens/{id}', answer: (p, id) => control.getToken(p, id) }),
    idBodyRoute({
      method: 'PUT',
      changesCredentials: true,
      path: '/ephemeralAccessTokens/{id}',
      body: TokenPatch,
      summary: 'Renames, re-describes, extends or re-scopes it; new permissions no wider than the caller holds',
      answer: (p, id, b) => control.updateToken(p, id, only(b, ['name', 'description', 'expirationTime', 'permissions'])),
    }),
    deleteRoute({ path: '/ephemeralAccessTokens/{id}', changesCredentials: true, remove: (p, id) => control.deleteToken(p, id) }),
  ];
}
