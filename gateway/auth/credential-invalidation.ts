/**
 * Credential revocation across gateways. Each gateway trusts a resolved session or token for up
 * to 1 s (principal-cache.ts); a change made through one gateway drops its own entries at once,
 * and this carries the drop to every other gateway over the Bus.
 *
 * One core subject, `ravel.auth.credentials-changed`, the organization in the payload (absent:
 * every organization). One subject rather than one per organization because every gateway wants
 * every organization's drops: a per-organization subject would only add a wildcard.
 *
 * Where the drops come from, and why that is enough (two sources, both already on the path of
 * every change, so no publish can be forgotten by a new caller):
 * - the gateway, from the authenticator, after a call the route table marks
 *   `changesCredentials` (dispatch calls `invalidate()`) and on logout: published before the
 *   reply leaves, so the others drop it about as soon as the client can ask them;
 * - the organization actor's event outbox: every change to users, roles, permission groups,
 *   sessions or tokens commits an event, which the outbox drains after the write (and again
 *   after a crash) and republishes on `live.events.<tenant>`; a gateway drops the tenant's
 *   entries on the credential events among them. This covers changes made without a gateway
 *   (an operator's script on the ControlPlane), a little later (one outbox drain).
 * Both are best effort (core NATS, no ack): a lost message (bus down, gateway reconnecting)
 * leaves the other gateways on the 1 s TTL they had before, never longer, because nothing here
 * extends an entry.
 *
 * Read side: the payload is validated; anything malformed is ignored. A forged well-formed
 * message can only make a gateway drop cache entries and ask the organization actor again, which
 * is safe (it costs an ask, it never grants anything).
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Bus, BusMessage, Subscription } from '../../bus/bus.ts';
import { decode, encode } from '../../core/codec.ts';
import { LIVE_SUBJECT_ALL } from '../../events/tenant-event-log.ts';

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
  const value = decodeOrUndefined(msg.data);
  return check.Check(value) ? value : undefined;
}

/** Bytes that do not decode read as nothing: a message from outside never throws here. */
function decodeOrUndefined(data: Uint8Array): unknown {
  try {
    return decode(data);
  } catch {
    return undefined;
  }
}

/** Events after which a tenant's cached principals may be wrong (domain/schemas/event.ts names). */
const CREDENTIAL_EVENTS: ReadonlySet<string> = new Set([
  'USER_UPDATED',
  'USER_ENABLED',
  'USER_DISABLED',
  'USER_DELETED',
  'USER_PASSWORD_CHANGED',
  'USER_LOGOUT',
  'PERMISSIONS_GROUP_CHANGED',
  'EPHEMERAL_TOKEN_UPDATED',
  'EPHEMERAL_TOKEN_DELETED',
  'ORGANIZATION_UPDATED',
]);

/** Only the two fields read here are checked: the rest of the record is the live source's business. */
const EventHead = Type.Object({
  tenantId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  name: Type.String({ maxLength: 64 }),
});
const checkHead = TypeCompiler.Compile(EventHead);

/** The organization whose credentials a tenant event changed, or undefined (not such an event, or malformed). */
export function credentialEventTenant(msg: Pick<BusMessage, 'data'>): number | undefined {
  const value = decodeOrUndefined(msg.data);
  return checkHead.Check(value) && CREDENTIAL_EVENTS.has(value.name) ? value.tenantId : undefined;
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

  /** Hears both sources (see the header); one subscription to stop both. */
  listen(target: InvalidationTarget): Subscription {
    const announced = this.bus.subscribe(CREDENTIALS_CHANGED_SUBJECT, (msg) => {
      const inv = readInvalidation(msg);
      if (inv === undefined) return;
      if (inv.organizationId === undefined) target.dropAll();
      else target.dropOrganization(inv.organizationId);
    });
    const recorded = this.bus.subscribe(LIVE_SUBJECT_ALL, (msg) => {
      const tenant = credentialEventTenant(msg);
      if (tenant !== undefined) target.dropOrganization(tenant);
    });
    return {
      subject: CREDENTIALS_CHANGED_SUBJECT,
      unsubscribe: async () => {
        await Promise.all([announced.unsubscribe(), recorded.unsubscribe()]);
      },
    };
  }
}
