/**
 * The names an actor has outside the process: its key in the durable record bucket and the
 * hot-copy map, its key in the reminder index, and the bus subject of its shard. Ids may hold
 * any characters, so they are base64url-encoded where keys allow only a few.
 */
import { RavelError } from '../../core/errors.ts';
import type { ActorRef } from '../actor-kind.ts';

const KIND_NAME = /^[A-Za-z0-9-]{1,64}$/;

export function checkKindName(name: string): void {
  if (typeof name !== 'string' || !KIND_NAME.test(name)) {
    throw new RavelError('INVALID_ARGUMENT', `actor kind name ${JSON.stringify(name)} must be 1-64 letters, digits or -`);
  }
}

export function checkRef(ref: ActorRef): void {
  if (typeof ref?.kind !== 'string' || typeof ref.id !== 'string' || ref.id.length === 0 || ref.id.length > 1024) {
    throw new RavelError('INVALID_ARGUMENT', 'an actor ref is a kind and an id of 1 to 1024 characters');
  }
}

/** `kind.base64url(id)`: a valid key for both the KV bucket and the grid. */
export function actorKey(ref: ActorRef): string {
  return `${ref.kind}.${Buffer.from(ref.id, 'utf8').toString('base64url')}`;
}

export function refFromKey(key: string): ActorRef {
  const dot = key.indexOf('.');
  if (dot < 1) throw new RavelError('CORRUPT', `not an actor key: ${key}`);
  return { kind: key.slice(0, dot), id: Buffer.from(key.slice(dot + 1), 'base64url').toString('utf8') };
}

/** The reminder index lists actors by shard: `shard.kind.id`, so a prefix lists one shard. */
export function reminderIndexKey(shard: number, key: string): string {
  return `${shard}.${key}`;
}

export function reminderIndexPrefix(shard: number): string {
  return `${shard}.`;
}

/** Where a shard's owner listens, in a queue group so one copy of a message reaches one node. */
export function shardSubject(prefix: string, shard: number): string {
  return `${prefix}.shard.${shard}`;
}

export function refString(ref: ActorRef): string {
  return `${ref.kind}/${ref.id}`;
}
