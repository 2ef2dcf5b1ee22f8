/**
 * `org-directory`: which organization a login belongs to, without scanning. One small actor
 * per login key: `domain:<identity domain>` for organizations that have one (their users log in
 * as `domain/user`), `user:<name>` for each user of an organization without one (a bare name
 * must then be unique across organizations). An actor per key rather than a grid map: grid
 * maps are the hot copy, not the durable authority, and a claim must survive a full restart;
 * per-key actors also spread over shards instead of making one hot directory.
 *
 * A claim by the organization that holds the key already is a no-op (retries are safe); by
 * another, ALREADY_EXISTS. Only the holder releases.
 */
import { Type } from '@sinclair/typebox';
import { match } from 'ts-pattern';
import { RavelError } from '../../../core/errors.ts';
import { ServerId, parseInput } from '../../../domain/schemas/index.ts';
import { defineActorKind, type ActorRef } from '../../actor-kind.ts';

interface DirectoryState {
  readonly organizationId: number | undefined;
}

const DirectoryMsgSchema = Type.Union([
  Type.Object({ type: Type.Literal('claim'), organizationId: ServerId }),
  Type.Object({ type: Type.Literal('release'), organizationId: ServerId }),
  Type.Object({ type: Type.Literal('lookup') }),
]);
type DirectoryMsg =
  | { readonly type: 'claim'; readonly organizationId: number }
  | { readonly type: 'release'; readonly organizationId: number }
  | { readonly type: 'lookup' };

/** The directory entry of an identity domain (case-insensitive). */
export function domainKey(identityDomain: string): ActorRef {
  return { kind: 'org-directory', id: `domain:${identityDomain.toLowerCase()}` };
}

/** The directory entry of a bare user name (case-insensitive, as users.ts compares them). */
export function userKey(userName: string): ActorRef {
  return { kind: 'org-directory', id: `user:${userName.toLowerCase()}` };
}

export function orgDirectoryKind() {
  return defineActorKind<DirectoryState, DirectoryMsg, number | null>({
    name: 'org-directory',
    schemaVersion: 1,
    initialState: () => ({ organizationId: undefined }),
    decodeMessage: (raw) => parseInput(DirectoryMsgSchema, raw),
    decodeState(stored) {
      const s = stored as { organizationId?: unknown } | null;
      const id = s?.organizationId;
      if (id !== undefined && id !== null && typeof id !== 'number') throw new RavelError('CORRUPT', 'bad directory entry');
      return { organizationId: typeof id === 'number' ? id : undefined };
    },
    handle(ctx, msg) {
      const holder = ctx.state.organizationId;
      return match(msg)
        .with({ type: 'claim' }, ({ organizationId }) => {
          if (holder !== undefined && holder !== organizationId) {
            throw new RavelError('ALREADY_EXISTS', `${ctx.self.id.replace(/^[a-z]+:/, '')} is taken`);
          }
          if (holder === undefined) ctx.setState({ organizationId });
          return organizationId;
        })
        .with({ type: 'release' }, ({ organizationId }) => {
          if (holder === organizationId) ctx.setState({ organizationId: undefined });
          return null;
        })
        .with({ type: 'lookup' }, () => holder ?? null)
        .exhaustive();
    },
  });
}
