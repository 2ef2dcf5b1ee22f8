/**
 * `POST /login` (Basic credentials, sets the session cookie) and `POST /logout`, written on
 * the route table like any other route. A 401 on /login is final for the SDK, so wrong
 * credentials answer 401 and nothing else does.
 */
import { RavelError } from '../../core/errors.ts';
import { defineRoute, empty, json, type AnyRoute } from '../http/route.ts';
import type { Authenticator } from './authenticator.ts';
import { SESSION_COOKIE } from './credentials.ts';

export function sessionRoutes(auth: Authenticator): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/login',
      auth: 'none',
      schema: {},
      summary: 'Log in with Authorization: Basic; sets the session cookie',
      handler: async (req) => {
        if (req.basicAuth === undefined)
          throw new RavelError(
            'UNAUTHENTICATED',
            'send Authorization: Basic base64(user:password)',
          );
        const result = await auth.login(req.basicAuth);
        if (result === undefined)
          throw new RavelError('UNAUTHENTICATED', 'wrong user name or password');
        const cookie =
          result.expiresInSeconds === undefined
            ? { name: SESSION_COOKIE, value: result.sessionId }
            : {
                name: SESSION_COOKIE,
                value: result.sessionId,
                maxAgeSeconds: result.expiresInSeconds,
              };
        return json(result.user, { cookies: [cookie] });
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/logout',
      auth: 'none',
      schema: {},
      summary: 'Ends the session and clears its cookie',
      handler: async (req) => {
        if (req.sessionCookie !== undefined) await auth.logout(req.sessionCookie);
        return empty(204, { cookies: [{ name: SESSION_COOKIE, value: undefined }] });
      },
    }),
  ];
}
