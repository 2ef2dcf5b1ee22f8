/**
 * A sender that hosts no actors: for processes that only talk to actors (the gateway, tools,
 * tests). It sends every message over the bus to the actor's shard subject, with the same
 * retries as a node's Router, and needs only the Bus: no grid, no leases, no durable buckets.
 * Its `namespace` and `shards` must match the nodes' (the config's `actors` section).
 */
import type { Clock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import type { Bus } from '../../bus/bus.ts';
import type { ActorKind, ActorMessage, ActorRef, ActorSender, AnyActorKind, AskOptions } from '../actor-kind.ts';
import { checkKindName, checkRef } from './actor-address.ts';
import { remoteTarget, sendWithRetries, type RemoteTarget } from './remote-send.ts';

export interface ActorClientOptions {
  readonly bus: Bus;
  readonly clock: Clock;
  /** The nodes' shard count. */
  readonly shards: number;
  /** Default deadline of an ask, and how long a tell keeps trying. */
  readonly askTimeoutMs: number;
  /** The nodes' namespace (ActorSystemOptions.namespace); default `actors`. */
  readonly namespace?: string;
}

export class ActorClient implements ActorSender {
  private readonly kinds = new Map<string, AnyActorKind>();
  private readonly target: RemoteTarget;

  constructor(private readonly o: ActorClientOptions) {
    this.target = remoteTarget(o.bus, o.clock, `ravel.${o.namespace ?? 'actors'}`, o.shards);
  }

  /** The kinds this client sends to (their schema version travels with each message). */
  register<S, M extends ActorMessage, R>(kind: ActorKind<S, M, R>): this {
    checkKindName(kind.name);
    this.kinds.set(kind.name, kind);
    return this;
  }

  ask<R = unknown, M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M, options?: AskOptions): Promise<R> {
    const kind = this.kindOf(ref);
    const deadline = this.o.clock.now() + (options?.timeoutMs ?? this.o.askTimeoutMs);
    return sendWithRetries(this.target, ref, kind, msg, options?.readOnly === true ? 'read' : 1, options?.idempotencyKey, deadline) as Promise<R>;
  }

  tell<M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M, options?: Omit<AskOptions, 'timeoutMs'>): Promise<void> {
    const kind = this.kindOf(ref);
    const deadline = this.o.clock.now() + this.o.askTimeoutMs;
    return sendWithRetries(this.target, ref, kind, msg, 0, options?.idempotencyKey, deadline).then(discard);
  }

  private kindOf(ref: ActorRef): AnyActorKind {
    checkRef(ref);
    const kind = this.kinds.get(ref.kind);
    if (kind === undefined) throw new RavelError('INVALID_ARGUMENT', `actor kind ${JSON.stringify(ref.kind)} is not registered on this client`);
    return kind;
  }
}

function discard(): void {}
