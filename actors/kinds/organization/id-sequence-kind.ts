/**
 * `id-sequence`: server ids (organizations, users, applications, key pairs, ...) below 2^53,
 * unique for the life of the service. One actor per sequence hands out ranges; its counter is
 * in its durable record, so ids keep growing across restarts of the whole cluster (the grid's
 * `allocateIds` is not durable in embedded mode, which is why it is not used). Organizations
 * take blocks and hand out ids from them, so this actor sees one ask per block, not per id.
 */
import { Type } from '@sinclair/typebox';
import { match } from 'ts-pattern';
import { RavelError } from '../../../core/errors.ts';
import { parseInput } from '../../../domain/schemas/index.ts';
import { defineActorKind, type ActorRef } from '../../actor-kind.ts';

export const SERVER_IDS: ActorRef = { kind: 'id-sequence', id: 'server-ids' };
const MAX_IDS_PER_TAKE = 10_000;

export interface IdRange {
  readonly first: number;
  readonly count: number;
}

interface IdSequenceState {
  readonly next: number;
}

const TakeIds = Type.Object({ type: Type.Literal('take'), count: Type.Integer({ minimum: 1, maximum: MAX_IDS_PER_TAKE }) });
export type IdSequenceMsg = { readonly type: 'take'; readonly count: number };

export function idSequenceKind() {
  return defineActorKind<IdSequenceState, IdSequenceMsg, IdRange>({
    name: 'id-sequence',
    schemaVersion: 1,
    initialState: () => ({ next: 1 }),
    decodeMessage: (raw) => parseInput(TakeIds, raw),
    decodeState(stored) {
      const s = stored as Partial<IdSequenceState> | null;
      if (typeof s?.next !== 'number' || !Number.isSafeInteger(s.next)) throw new RavelError('CORRUPT', 'bad id sequence state');
      return { next: s.next };
    },
    handle(ctx, msg) {
      return match(msg)
        .with({ type: 'take' }, ({ count }) => {
          const first = ctx.state.next;
          if (first + count > Number.MAX_SAFE_INTEGER) throw new RavelError('UNAVAILABLE', 'server ids are exhausted');
          ctx.setState({ next: first + count });
          return { first, count };
        })
        .exhaustive();
    },
  });
}
