/**
 * Sending to an actor over the bus, shared by the Router (for shards this node does not serve)
 * and the ActorClient (which serves none): one request to the shard's subject, and the retry loop
 * that tries again on retryable refusals (no owner right now, not the owner, fenced before
 * writing) with backoff until the deadline, finding the owner afresh each time.
 */
import type { Clock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import type { Bus } from '../../bus/bus.ts';
import type { ActorMessage, ActorRef, AnyActorKind } from '../actor-kind.ts';
import { refString, shardSubject } from './actor-address.ts';
import { decodeReply, encodeRequest, isRetryable, type WireRequest } from './envelope.ts';
import { shardOf } from './shard-hash.ts';

export interface RemoteTarget {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly subjectPrefix: string;
  readonly shards: number;
}

/** One attempt: ask (`a` 1, answered after the turn) or tell (`a` 0, answered on acceptance). */
export async function sendRemote(
  to: RemoteTarget,
  ref: ActorRef,
  kind: AnyActorKind,
  msg: ActorMessage,
  a: 0 | 1,
  key: string | undefined,
  deadline: number,
): Promise<unknown> {
  const left = deadline - to.clock.now();
  if (left <= 0) throw new RavelError('TIMEOUT', `deadline passed before ${refString(ref)} was reached`);
  const req: WireRequest = { k: ref.kind, i: ref.id, m: msg, v: kind.schemaVersion, a, t: left, ...(key === undefined ? {} : { x: key }) };
  const subject = shardSubject(to.subjectPrefix, shardOf(ref.kind, ref.id, to.shards));
  const reply = await to.bus.request(subject, encodeRequest(req), { timeoutMs: left });
  return decodeReply(reply.data);
}

/** Runs `once` until it succeeds, fails for good, or the deadline passes (TIMEOUT with the last error). */
export async function withRetries<T>(clock: Clock, ref: ActorRef, deadline: number, once: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await once();
    } catch (e) {
      if (!isRetryable(e)) throw e;
      const left = deadline - clock.now();
      if (left <= 0) {
        throw new RavelError('TIMEOUT', `no node served ${refString(ref)} before the deadline`, {
          cause: e,
          details: { lastError: (e as RavelError).code, reason: (e as RavelError).details?.['reason'] ?? null },
        });
      }
      await clock.sleep(Math.min(left, Math.min(250, 10 * 2 ** Math.min(attempt, 5))));
    }
  }
}
