/** `GET/POST /keypairs`, `GET/PUT/DELETE /keypairs/{id}`, `POST /keypairs/generate`. */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { CreateKeyPair, Name } from '../../domain/schemas/index.ts';
import { created, defineRoute, empty, json, type AnyRoute, requestOptions } from '../http/route.ts';
import { IdParams, objectPath, who } from './api-paths.ts';

/** The reference client generates with an empty body: the name is then made up. */
const GenerateKeyPair = Type.Object({ name: Type.Optional(Name) });
const RenameKeyPair = Type.Object({ name: Name });

export function keyPairRoutes(control: ControlPlane): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/keypairs',
      auth: 'session-or-token',
      schema: {},
      handler: async (req) => json(await control.listKeyPairs(who(req))),
    }),
    defineRoute({
      method: 'POST',
      path: '/keypairs',
      auth: 'session-or-token',
      schema: { body: CreateKeyPair },
      summary: 'Stores a public key; answers without the keys',
      successStatus: 201,
      handler: async (req) => {
        const kp = await control.createKeyPair(who(req), { name: req.body.name, publicKey: req.body.publicKey }, requestOptions(req));
        return created(kp, objectPath('keypairs', kp.id));
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/keypairs/generate',
      auth: 'session-or-token',
      schema: { body: GenerateKeyPair },
      summary: 'Generates a key pair; answers both keys, once',
      successStatus: 201,
      handler: async (req) => {
        const name = req.body.name ?? `keypair-${randomBytes(4).toString('hex')}`;
        const kp = await control.generateKeyPair(who(req), { name });
        return created(kp, objectPath('keypairs', kp.id));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/keypairs/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'A deleted key pair still reads back, with deleted: true',
      handler: async (req) => json(await control.getKeyPair(who(req), req.params.id)),
    }),
    defineRoute({
      method: 'PUT',
      path: '/keypairs/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams, body: RenameKeyPair },
      handler: async (req) => json(await control.updateKeyPair(who(req), req.params.id, { name: req.body.name })),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/keypairs/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      successStatus: 204,
      handler: async (req) => {
        await control.deleteKeyPair(who(req), req.params.id);
        return empty();
      },
    }),
  ];
}
