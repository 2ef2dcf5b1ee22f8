/** What every REST family shares: the caller's domain principal, id params, and object paths. */
import { Type } from '@sinclair/typebox';
import { ServerId } from '../../domain/schemas/index.ts';
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';
import { controlPrincipal } from '../auth/control-authenticator.ts';
import { API_PREFIX } from '../gateway.ts';
import { json, type Principal, type Reply } from '../http/route.ts';

/** `{id}` in a path: a server id. */
export const IdParams = Type.Object({ id: ServerId });

/** The domain principal behind the request (the route's auth already required one). */
export function who(req: { readonly principal: Principal | undefined }): DomainPrincipal {
  return controlPrincipal(req.principal);
}

/** The full path of an object, as `Location` carries it: `/api/v1/applications/5`. */
export function objectPath(collection: string, id: number | string): string {
  return `${API_PREFIX}/${collection}/${String(id)}`;
}

/**
 * The named fields of a body, and nothing else: clients PUT back whole objects they read
 * (with `id`, `href`, server-owned fields), and only the editable ones may reach the domain.
 */
export function only<T extends object, K extends keyof T>(body: T, keys: readonly K[]): Pick<T, K> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (body[k] !== undefined) out[k] = body[k];
  return out as Pick<T, K>;
}

/** An application as the answer of an action on it, named in `Content-Location` (the SDK's `_href`). */
export function applicationReply(app: { readonly id: number }): Reply {
  return json(app, { headers: { 'content-location': objectPath('applications', app.id) } });
}
