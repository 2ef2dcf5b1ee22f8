/**
 * The bus side of a shard: its owner subscribes to the shard's subject in one queue group, so
 * each message reaches one node, and that node checks that it still serves the shard (a node
 * that does not answers a retryable `not-owner`). Tells are answered on acceptance, asks after
 * the turn and its write.
 */
import type { Clock } from '../../core/clock.ts';
import { RavelError, toRavelError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Bus, BusMessage, Subscription } from '../../bus/bus.ts';
import type { AnyActorKind } from '../actor-kind.ts';
import { shardSubject } from './actor-address.ts';
import { decodeRequest, encodeErrorReply, encodeReply, type WireRequest } from './envelope.ts';
import type { ShardHost } from './shard-host.ts';
import { ownedCopy } from '../../core/owned-bytes.ts';

const queueGroup = 'actors';

/** Actors whose last read reply is kept (see lastReads); the oldest goes first past this. */
const MAX_LAST_READS = 4096;

export class ShardEndpoint {
  constructor(
    private readonly bus: Bus,
    private readonly host: ShardHost,
    private readonly kinds: ReadonlyMap<string, AnyActorKind>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly subjectPrefix: string,
  ) {}

  subscribe(shard: number): Subscription {
    return this.bus.subscribe(shardSubject(this.subjectPrefix, shard), (m) => this.receive(m), { queue: queueGroup });
  }

  private receive(m: BusMessage): void {
    let req: WireRequest;
    try {
      req = decodeRequest(m.data);
    } catch (e) {
      return this.answerError(m, toRavelError(e, 'DECODE_FAILED'));
    }
    const kind = this.kinds.get(req.k);
    if (kind === undefined) {
      return this.answerError(m, new RavelError('NOT_FOUND', `no actor kind ${JSON.stringify(req.k)} on this node`));
    }
    const ask = req.a === 1;
    const deadline = ask && req.t !== undefined ? this.clock.now() + req.t : undefined;
    const refused = this.host.deliver(
      { kind: req.k, id: req.i },
      kind,
      req.m,
      req.v,
      { ask, idempotencyKey: req.x, deadline, readOnly: ask && req.r === 1 },
      ask ? (err, value) => (err === undefined ? this.answer(m, value, req.r === 1 ? `${req.k}/${req.i}` : undefined) : this.answerError(m, err)) : ignore,
    );
    if (refused !== undefined) this.answerError(m, refused);
    else if (!ask) this.answer(m, null);
  }

  /** `readKey`: the actor, for a read-only ask, whose last reply may be sent again. */
  private answer(m: BusMessage, value: unknown, readKey?: string): void {
    const last = readKey === undefined ? undefined : this.lastReads.get(readKey);
    let bytes = last !== undefined && last.value === value && typeof value === 'object' && value !== null ? last.bytes : undefined;
    if (bytes === undefined) {
      try {
        bytes = encodeReply(value ?? null);
      } catch (e) {
        return this.answerError(m, new RavelError('INTERNAL', 'the reply cannot be encoded', { cause: e }));
      }
      if (readKey !== undefined) this.keepRead(readKey, value, bytes);
    }
    this.send(m, bytes);
  }

  /**
   * Each actor's last read reply, by the object it answered. State is never changed in place (a
   * failed turn's changes are dropped by keeping the old object), so the same object read again,
   * the application of an unchanged actor, encodes the same: its bytes are sent again, not
   * re-encoded (encoding was ~13% of a node's CPU under REST reads over the bus).
   */
  private readonly lastReads = new Map<string, { readonly value: unknown; readonly bytes: Uint8Array }>();

  private keepRead(key: string, value: unknown, bytes: Uint8Array): void {
    if (!this.lastReads.has(key) && this.lastReads.size >= MAX_LAST_READS) {
      const oldest = this.lastReads.keys().next();
      if (oldest.done !== true) this.lastReads.delete(oldest.value);
    }
    // A copy: the encoder's bytes are a view of its shared buffer, which a kept view would pin.
    this.lastReads.set(key, { value, bytes: ownedCopy(bytes) });
  }

  private answerError(m: BusMessage, e: RavelError): void {
    this.send(m, encodeErrorReply(e));
  }

  private send(m: BusMessage, bytes: Uint8Array): void {
    if (m.reply === undefined) return;
    try {
      this.bus.respond(m, bytes);
    } catch (e) {
      this.log.warn({ err: e, subject: m.subject }, 'actor reply not sent');
    }
  }
}

function ignore(): void {}
