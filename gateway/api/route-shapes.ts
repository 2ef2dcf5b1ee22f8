/**
 * The shapes most API routes share, written once: a read for the caller (its objects), one object
 * by `{id}` (read or acted on, with or without a body), a create, and a delete by `{id}`. Each asks the
 * control plane as the caller and answers the result as JSON (a create answers 201 with its
 * `Location`, a delete 204). Routes of other shapes stay with `defineRoute`.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';
import { created, defineRoute, empty, json, requestOptions, type AnyRoute, type AuthRequirement, type HttpMethod, type Reply } from '../http/route.ts';
import { IdParams, objectPath, who } from './api-paths.ts';

type RequestOptions = ReturnType<typeof requestOptions>;

interface ShapeCommon {
  readonly path: string;
  readonly summary?: string;
  /** See RouteSpec.changesCredentials. */
  readonly changesCredentials?: boolean;
}

/** The RouteSpec fields every shape fills alike; the optional ones only when given (exactOptionalPropertyTypes). */
function common(o: ShapeCommon): { path: string; auth: AuthRequirement; summary?: string; changesCredentials?: boolean } {
  return {
    path: o.path,
    auth: 'session-or-token',
    ...(o.changesCredentials === undefined ? {} : { changesCredentials: o.changesCredentials }),
    ...(o.summary === undefined ? {} : { summary: o.summary }),
  };
}

/** `GET path`: what `read` answers for the caller (a list of its objects, its organization). */
export function readRoute(o: ShapeCommon & { readonly read: (p: DomainPrincipal) => Promise<unknown> }): AnyRoute {
  return defineRoute({
    method: 'GET',
    schema: {},
    ...common(o),
    handler: async (req) => json(await o.read(who(req))),
  });
}

/** How an id route answers what the control plane gave: as JSON unless said otherwise. */
interface Answering<T> {
  /** E.g. `applicationReply`, for an action that answers the application it acted on. */
  readonly reply?: (answer: T) => Reply;
}

/** `method path` on the object `{id}`: what `answer` makes of the caller and the id, as JSON. */
export function idRoute<T>(
  o: ShapeCommon & Answering<T> & {
    readonly method: HttpMethod;
    readonly answer: (p: DomainPrincipal, id: number, o: RequestOptions) => Promise<T>;
  },
): AnyRoute {
  const reply = o.reply ?? json;
  return defineRoute({
    method: o.method,
    schema: { params: IdParams },
    ...common(o),
    handler: async (req) => reply(await o.answer(who(req), req.params.id, requestOptions(req))),
  });
}

/** `method path` on the object `{id}` with a body checked against `body`: what `answer` makes of them, as JSON. */
export function idBodyRoute<B extends TSchema, T>(
  o: ShapeCommon & Answering<T> & {
    readonly method: HttpMethod;
    readonly body: B;
    readonly answer: (p: DomainPrincipal, id: number, body: Static<B>, o: RequestOptions) => Promise<T>;
  },
): AnyRoute {
  const reply = o.reply ?? json;
  return defineRoute({
    method: o.method,
    schema: { params: IdParams, body: o.body },
    ...common(o),
    handler: async (req) => reply(await o.answer(who(req), req.params.id, req.body, requestOptions(req))),
  });
}

/** `POST path` with a body checked against `body`: the object `create` makes, 201 with its `Location` in `collection`. */
export function createRoute<B extends TSchema, T extends { readonly id: number }>(
  o: ShapeCommon & {
    readonly body: B;
    readonly collection: string;
    readonly create: (p: DomainPrincipal, body: Static<B>, o: RequestOptions) => Promise<T>;
  },
): AnyRoute {
  return defineRoute({
    method: 'POST',
    schema: { body: o.body },
    successStatus: 201,
    ...common(o),
    handler: async (req) => {
      const made = await o.create(who(req), req.body, requestOptions(req));
      return created(made, objectPath(o.collection, made.id));
    },
  });
}

/** `DELETE path` of the object `{id}`: 204 once `remove` is done. */
export function deleteRoute(o: ShapeCommon & { readonly remove: (p: DomainPrincipal, id: number) => Promise<unknown> }): AnyRoute {
  return defineRoute({
    method: 'DELETE',
    schema: { params: IdParams },
    successStatus: 204,
    ...common(o),
    handler: async (req) => {
      await o.remove(who(req), req.params.id);
      return empty();
    },
  });
}
