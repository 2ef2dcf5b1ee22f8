/**
 * Sending to an actor over the bus, shared by the Router (for shards this node does not serve)
 * and the ActorClient (which serves none): one request to the shard's subject, and the retry loop
 * that tries again on retryable refusals (no owner right now, not the owner, fenced before
 * writing) with backoff until the deadline, finding the owner afresh each time.
 */
import type { Clock } from '../../core/clock.ts';
import { RavelError, toRavelError } from '../../core/errors.ts';
import type { Bus, BusMessage } from '../../bus/bus.ts';
import type { ActorMessage, ActorRef, AnyActorKind } from '../actor-kind.ts';
import { refString, shardSubject } from './actor-address.ts';
import { decodeReply, encodeRequest, isRetryable } from './envelope.ts';
import { ReadReplies } from './read-replies.ts';
import { shardOf } from './shard-hash.ts';

export interface RemoteTarget {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly subjectPrefix: string;
  readonly shards: number;
  /** Read-only asks' last replies, decoded once per distinct reply (read-replies.ts). */
  readonly reads: ReadReplies;
}

export function remoteTarget(bus: Bus, clock: Clock, subjectPrefix: string, shards: number): RemoteTarget {
  return { bus, clock, subjectPrefix, shards, reads: new ReadReplies() };
}

/** How a message is sent: 0 tell (answered on acceptance), 1 ask, 'read' an ask that only reads. */
export type SendMode = 0 | 1 | 'read';

/**
 * One attempt: ask (`a` 1, answered after the turn) or tell (`a` 0, answered on acceptance).
 * Not async, and it calls the bus straight from the caller's frame: nats.js captures two stack
 * traces per request, which cost more the deeper the call, and each async layer here was one
 * more frame, one more promise and one more microtask hop on every remote message.
 */
export function sendRemote(
  to: RemoteTarget,
  ref: ActorRef,
  kind: AnyActorKind,
  msg: ActorMessage,
  mode: SendMode,
  key: string | undefined,
  deadline: number,
): Promise<unknown> {
  const left = deadline - to.clock.now();
  if (left <= 0) return Promise.reject(new RavelError('TIMEOUT', `deadline passed before ${refString(ref)} was reached`));
  let data: Uint8Array;
  try {
    const v = kind.schemaVersion;
    const a = mode === 0 ? 0 : 1;
    const base = { k: ref.kind, i: ref.id, m: msg, v, a, t: left } as const;
    const withKey = key === undefined ? base : { ...base, x: key };
    data = encodeRequest(mode === 'read' && key === undefined ? { ...withKey, r: 1 } : withKey);
  } catch (e) {
    return Promise.reject(toRavelError(e));
  }
  const subject = shardSubject(to.subjectPrefix, shardOf(ref.kind, ref.id, to.shards));
  const reply = to.bus.request(subject, data, { timeoutMs: left });
  if (mode !== 'read') return reply.then(replyOf);
  const readKey = `${ref.kind}/${ref.id}/${msg.type}`;
  return reply.then((m) => to.reads.decode(readKey, m.data));
}

/**
 * `sendRemote`, then on a retryable refusal the retry loop. The first try is a direct call:
 * nothing wraps it on the common path, where it succeeds.
 */
export function sendWithRetries(
  to: RemoteTarget,
  ref: ActorRef,
  kind: AnyActorKind,
  msg: ActorMessage,
  mode: SendMode,
  key: string | undefined,
  deadline: number,
): Promise<unknown> {
  return sendRemote(to, ref, kind, msg, mode, key, deadline).catch((e: unknown) =>
    retryAfter(e, to.clock, ref, deadline, () => sendRemote(to, ref, kind, msg, mode, key, deadline)),
  );
}

/**
 * Runs `once` until it succeeds, fails for good, or the deadline passes (TIMEOUT with the last
 * error). Not async, like sendRemote: the first try's promise is answered as it stands when it
 * succeeds, one promise and one microtask hop fewer on every local ask.
 */
export function withRetries<T>(clock: Clock, ref: ActorRef, deadline: number, once: () => Promise<T>): Promise<T> {
  let first: Promise<T>;
  try {
    first = once();
  } catch (e) {
    return retryAfter(e, clock, ref, deadline, once);
  }
  return first.catch((e: unknown) => retryAfter(e, clock, ref, deadline, once));
}

/** After a first attempt failed with `first`: backs off and tries `once` again while that is retryable. */
async function retryAfter<T>(first: unknown, clock: Clock, ref: ActorRef, deadline: number, once: () => Promise<T>): Promise<T> {
  let e = first;
  for (let attempt = 0; ; attempt++) {
    if (!isRetryable(e)) throw e;
    const left = deadline - clock.now();
    if (left <= 0) {
      throw new RavelError('TIMEOUT', `no node served ${refString(ref)} before the deadline`, {
        cause: e,
        details: { lastError: (e as RavelError).code, reason: (e as RavelError).details?.['reason'] ?? null },
      });
    }
    await clock.sleep(Math.min(left, Math.min(250, 10 * 2 ** Math.min(attempt, 5))));
    try {
      return await once();
    } catch (next) {
      e = next;
    }
  }
}

function replyOf(m: BusMessage): unknown {
  return decodeReply(m.data);
}
