/**
 * The image service's subjects and deadlines, in one place.
 *
 *   <prefix>.<op>                        queue group `image-service`: any server of the store
 *   <prefix>.writer.<serverId>.<op>      the one server holding an open writer
 *
 * The prefix names a store (default `images`); servers in front of different store
 * directories need different prefixes, servers sharing one store share its prefix.
 */
export const DEFAULT_PREFIX = 'images';
export const SERVER_QUEUE = 'image-service';

export const storeOps = [
  'info',
  'create',
  'list',
  'get',
  'find',
  'delete',
  'versions',
  'read',
  'open',
  'snapshot',
  'clone',
  'usage',
] as const;
export type StoreOp = (typeof storeOps)[number];

export const writerOps = ['write', 'commit', 'abort'] as const;
export type WriterOp = (typeof writerOps)[number];

export function storeSubject(prefix: string, op: StoreOp): string {
  return `${prefix}.${op}`;
}

export function writerSubject(prefix: string, serverId: string, op: WriterOp): string {
  return `${prefix}.writer.${serverId}.${op}`;
}

/**
 * How long a client waits for each answer, in ms. Commit waits for a durable sync; a read or
 * write carries up to about 1 MiB of blocks.
 */
export interface ImageDeadlines {
  readonly call: number;
  readonly read: number;
  readonly write: number;
  readonly commit: number;
}

export const defaultDeadlines: ImageDeadlines = { call: 10_000, read: 10_000, write: 10_000, commit: 30_000 };
