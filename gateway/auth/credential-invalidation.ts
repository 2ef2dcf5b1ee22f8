/**
 * Credential revocation across gateways. Each gateway trusts a resolved session or token for up
 * to 1 s (principal-cache.ts); a change made through one gateway drops its own entries at once,
 * and this carries the drop to every other gateway over the Bus.
 *
 * One core subject, `ravel.auth.credentials-changed`, the organization in the payload (absent:
 * every organization). One subject rather than one per organization because every gateway wants
 * every organization's drops: a per-organization subject would only add a wildcard.
 *
 * Where it is published, and why that is enough: by the gateway, from the authenticator, after
 * a call the route table marks `changesCredentials` (dispatch calls `invalidate()`) and on
 * logout. Every credential change a tenant or an operator makes over the API passes there. The
 * message is best effort (core NATS, no ack, no retry): a lost one (bus down, gateway
 * reconnecting) leaves the other gateways on the 1 s TTL they had before, never longer, because
 * nothing here extends an entry. A change made without a gateway (a script on the ControlPlane)
 * is not announced and is bounded by the same TTL.
 *
 * Read side: the payload is validated; anything malformed is ignored. A forged well-formed
 * message can only make a gateway drop cache entries and ask the organization actor again, which
 * is safe (it costs an ask, it never grants anything).
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Bus, BusMessage, Subscription } from '../../bus/bus.ts';
import { decode, encode } from '../../core/codec.ts';

export const CREDENTIALS_CHANGED_SUBJECT = 'ravel.auth.credentials-changed';

const Invalidation = Type.Object(
  {
    v: Type.Literal(1),
    /** The organization whose credentials changed; absent: drop everything. */
    organizationId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);
export type Invalidation = Static<typeof Invalidation>;
const check = TypeCompiler.Compile(Invalidation);

export function encodeInvalidation(organizationId: number | undefined): Uint8Array {
  return encode(organizationId === undefined ? { v: 1 } : { v: 1, organizationId });
}

/** The message's invalidation, or undefined when it does not decode or does not match the schema. */
export function readInvalidation(msg: Pick<BusMessage, 'data'>): Invalidation | undefined {
  let value: unknown;
  try {
    value = decode(msg.data);
  } catch {
    return undefined;
  }
  return check.Check(value) ? value : undefined;
}

/** What a gateway drops when another one announces a change. */
export interface InvalidationTarget {
  dropOrganization(organizationId: number): void;
  dropAll(): void;
}

/** Publishing and receiving the drops over one bus. */
export class CredentialInvalidations {
  constructor(
    private readonly bus: Pick<Bus, 'publish' | 'subscribe'>,
    /** Told when a publish fails; the TTL still bounds the staleness, so it is not an error for the caller. */
    private readonly onPublishError: (err: unknown) => void = () => {},
  ) {}

  /** Announces a change; never throws and never waits for anyone (see the header: best effort). */
  announce(organizationId: number | undefined): void {
    try {
      this.bus.publish(CREDENTIALS_CHANGED_SUBJECT, encodeInvalidation(organizationId));
    } catch (e) {
      this.onPublishError(e);
    }
  }

  listen(target: InvalidationTarget): Subscription {
    return this.bus.subscribe(CREDENTIALS_CHANGED_SUBJECT, (msg) => {
      const inv = readInvalidation(msg);
      if (inv === undefined) return;
      if (inv.organizationId === undefined) target.dropAll();
      else target.dropOrganization(inv.organizationId);
    });
  }
}
