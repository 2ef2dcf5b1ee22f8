/** `GET/POST /keypairs`, `GET/PUT/DELETE /keypairs/{id}`, `POST /keypairs/generate`. */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { CreateKeyPair, Name } from '../../domain/schemas/index.ts';
import type { AnyRoute } from '../http/route.ts';
import { createRoute, deleteRoute, idBodyRoute, idRoute, readRoute } from './route-shapes.ts';

/** The reference client generates with an empty body: the name is then made up. */
const GenerateKeyPair = Type.Object({ name: Type.Optional(Name) });
const RenameKeyPair = Type.Object({ name: Name });

export function keyPairRoutes(control: ControlPlane): AnyRoute[] {
  return [
    readRoute({ path: '/keypairs', read: (p) => control.listKeyPairs(p) }),
    createRoute({
      path: '/keypairs',
      collection: 'keypairs',
      body: CreateKeyPair,
      summary: 'Stores a public key; answers without the keys',
      create: (p, b, o) => control.createKeyPair(p, { name: b.name, publicKey: b.publicKey }, o),
    }),
    createRoute({
      path: '/keypairs/generate',
      collection: 'keypairs',
      body: GenerateKeyPair,
      summary: 'Generates a key pair; answers both keys, once',
      create: (p, b) => control.generateKeyPair(p, { name: b.name ?? `keypair-${randomBytes(4).toString('hex')}` }),
    }),
    idRoute({
      method: 'GET',
      path: '/keypairs/{id}',
      summary: 'A deleted key pair still reads back, with deleted: true',
      answer: (p, id) => control.getKeyPair(p, id),
    }),
    idBodyRoute({ method: 'PUT', path: '/keypairs/{id}', body: RenameKeyPair, answer: (p, id, b) => control.updateKeyPair(p, id, { name: b.name }) }),
    deleteRoute({ path: '/keypairs/{id}', remove: (p, id) => control.deleteKeyPair(p, id) }),
  ];
}
