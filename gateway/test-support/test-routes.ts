/** A few routes in Ravello's shapes that the gateway's tests drive; calls are counted. */
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import { RavelError } from '../../core/errors.ts';
import { created, defineRoute, empty, json, text, type AnyRoute } from '../http/route.ts';
import { LocalId, ServerId } from '../http/schema-types.ts';

export interface RouteCalls {
  count: number;
  /** Slow handlers that finished and tried to answer. */
  slowFinished: number;
}

const IdParams = Type.Object({ id: ServerId });
const Vm = Type.Object({
  id: LocalId,
  name: Type.String({ maxLength: 100 }),
  numCpus: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
});
const ThingBody = Type.Object({
  name: Type.String({ minLength: 1 }),
  design: Type.Optional(Type.Object({ vms: Type.Array(Vm) })),
});

export function testRoutes(calls: RouteCalls): AnyRoute[] {
  const counted = <T>(v: T): T => {
    calls.count++;
    return v;
  };
  return [
    defineRoute({
      method: 'GET',
      path: '/things/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      handler: async (req) => {
        counted(0);
        if (req.params.id === 404) throw new RavelError('NOT_FOUND', 'no such thing');
        return json({
          id: req.params.id,
          tenant: req.principal?.tenantId,
          via: req.principal?.via,
        });
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/things/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams, body: ThingBody },
      handler: async (req) => counted(json({ id: req.params.id, ...req.body })),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/things/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      handler: async () => counted(empty()),
    }),
    defineRoute({
      method: 'POST',
      path: '/things',
      auth: 'session-or-token',
      schema: { body: ThingBody },
      handler: async (req) => counted(created({ id: 7, ...req.body }, '/api/v1/things/7')),
    }),
    defineRoute({
      method: 'POST',
      path: '/things/filter',
      auth: 'session-or-token',
      schema: { body: Type.Object({ name: Type.Optional(Type.String()) }) },
      handler: async (req) => counted(json({ filter: req.body.name ?? null })),
    }),
    defineRoute({
      method: 'GET',
      path: '/things/{id};deployment',
      auth: 'session-or-token',
      schema: { params: IdParams },
      handler: async (req) => counted(json({ id: req.params.id, aspect: 'deployment' })),
    }),
    defineRoute({
      method: 'GET',
      path: '/things/{id};design/vms/{vm}',
      auth: 'session-or-token',
      schema: { params: Type.Object({ id: ServerId, vm: LocalId }) },
      handler: async (req) =>
        counted(json({ id: req.params.id, vm: req.params.vm, aspect: 'design' })),
    }),
    defineRoute({
      method: 'POST',
      path: '/echo',
      auth: 'session-or-token',
      schema: { body: Type.Object({}, { additionalProperties: true }) },
      handler: async (req) => counted(json(req.body)),
    }),
    defineRoute({
      method: 'GET',
      path: '/things/{id}/vncUrl',
      auth: 'session-or-token',
      schema: { params: IdParams, query: Type.Object({ tall: Type.Optional(Type.Boolean()) }) },
      handler: async (req) =>
        counted(text(`vnc://example/${req.params.id}${req.query.tall === true ? '?tall' : ''}`)),
    }),
    defineRoute({
      method: 'GET',
      path: '/slow',
      auth: 'none',
      schema: { query: Type.Object({ ms: Type.Integer({ minimum: 0, maximum: 10_000 }) }) },
      handler: async (req) => {
        counted(0);
        await sleep(req.query.ms);
        calls.slowFinished++;
        return json({ waited: req.query.ms });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/public',
      auth: 'none',
      schema: {},
      handler: async (req) => counted(json({ hello: 'world', who: req.principal?.id ?? null })),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/ping',
      auth: 'operator',
      schema: {},
      handler: async () => counted(json({ pong: true })),
    }),
  ];
}
