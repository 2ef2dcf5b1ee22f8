/** `GET/POST /ephemeralAccessTokens`, `GET/PUT/DELETE /ephemeralAccessTokens/{id}`. */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { CreateEphemeralToken, Description, EpochMillis, Name } from '../../domain/schemas/index.ts';
import { created, defineRoute, empty, json, type AnyRoute } from '../http/route.ts';
import { IdParams, objectPath, only, who } from './api-paths.ts';

const TokenPatch = Type.Object({
  name: Type.Optional(Name),
  description: Type.Optional(Description),
  expirationTime: Type.Optional(EpochMillis),
});

export function tokenRoutes(control: ControlPlane): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/ephemeralAccessTokens',
      auth: 'session-or-token',
      schema: {},
      handler: async (req) => json(await control.listTokens(who(req))),
    }),
    defineRoute({
      method: 'POST',
      path: '/ephemeralAccessTokens',
      auth: 'session-or-token',
      schema: { body: CreateEphemeralToken },
      summary: 'A time-limited token; its value is answered once, in `token`',
      successStatus: 201,
      handler: async (req) => {
        const input = only(req.body, ['name', 'description', 'expirationTime', 'permissions']);
        const token = await control.createToken(who(req), input);
        return created(token, objectPath('ephemeralAccessTokens', token.id));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/ephemeralAccessTokens/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      handler: async (req) => json(await control.getToken(who(req), req.params.id)),
    }),
    defineRoute({
      method: 'PUT',
      changesCredentials: true,
      path: '/ephemeralAccessTokens/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams, body: TokenPatch },
      handler: async (req) =>
        json(
          await control.updateToken(who(req), req.params.id, only(req.body, ['name', 'description', 'expirationTime'])),
        ),
    }),
    defineRoute({
      method: 'DELETE',
      changesCredentials: true,
      path: '/ephemeralAccessTokens/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      successStatus: 204,
      handler: async (req) => {
        await control.deleteToken(who(req), req.params.id);
        return empty();
      },
    }),
  ];
}
