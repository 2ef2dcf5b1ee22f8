/**
 * What an organization actor holds: the tenant itself and everything small that belongs to it
 * (users, groups, sessions and tokens by hash, key pairs, limits, elastic IPs, the index of its
 * applications), the block of server ids it hands out, and its event outbox.
 */
import type { Usage } from '../../../domain/tenancy/quota.ts';
import { RavelError } from '../../../core/errors.ts';
import type { ElasticIpState } from '../../../domain/network/elastic-ips.ts';
import type { KeyPair, Limits, Organization, PermissionsGroup } from '../../../domain/schemas/index.ts';
import type { Session } from '../../../domain/tenancy/secrets.ts';
import type { StoredToken } from '../../../domain/tenancy/tokens.ts';
import type { StoredUser } from '../../../domain/tenancy/users.ts';
import type { TenantOutbox } from '../../../events/event-outbox.ts';
import type { ActorRef } from '../../actor-kind.ts';
import type { IdRange } from './id-sequence-kind.ts';

/** Sessions kept per organization; past it the oldest go first. */
export const MAX_SESSIONS = 2000;
export const MAX_TOKENS = 1000;
export const MAX_KEY_PAIRS = 1000;
export const MAX_GROUPS = 256;
export const MAX_USERS = 10_000;
export const MAX_APPLICATIONS = 100_000;
export const ID_BLOCK = 64;

export interface ActiveOrganization {
  readonly status: 'active';
  readonly organization: Organization;
  /** Ids not yet handed out: `first` up to `first + count - 1`. */
  readonly ids: IdRange;
  readonly users: readonly StoredUser[];
  readonly groups: readonly PermissionsGroup[];
  readonly sessions: readonly Session[];
  readonly tokens: readonly StoredToken[];
  readonly keyPairs: readonly KeyPair[];
  readonly limits: Limits;
  /** What each application runs, by application id (org-usage.ts); absent: nothing yet. */
  readonly usage?: Readonly<Record<string, Usage>>;
  readonly elasticIps: ElasticIpState;
  /** Ids of the organization's applications (their state lives in application actors). */
  readonly applications: readonly number[];
  readonly outbox: TenantOutbox;
  /** What to give back (directory keys, public addresses) once the change that freed it has committed. */
  readonly releases: readonly PendingRelease[];
}

/** A `release` to send, after the commit, by the outbox drain. */
export interface PendingRelease {
  readonly ref: ActorRef;
  readonly msg: { readonly type: 'release'; readonly organizationId: number } | { readonly type: 'release'; readonly ip: string; readonly key?: string };
}

export type OrganizationState = { readonly status: 'absent' } | ActiveOrganization;

export function organizationIdOf(actorId: string): number {
  const id = Number(actorId);
  if (!Number.isSafeInteger(id) || id < 1 || String(id) !== actorId) throw new RavelError('INVALID_ARGUMENT', `not an organization id: ${actorId}`);
  return id;
}

/** Takes the next id of the block; the caller refills the block first when it is empty. */
export function takeId(org: ActiveOrganization): { org: ActiveOrganization; id: number } {
  if (org.ids.count <= 0) throw new RavelError('INTERNAL', 'the id block is empty');
  return { org: { ...org, ids: { first: org.ids.first + 1, count: org.ids.count - 1 } }, id: org.ids.first };
}

/**
 * Reads stored state; only the shape's backbone is checked (the actor wrote it). Records from
 * before library VMs moved to the library actor carry an `images` list nothing reads: it is
 * dropped here, so the next commit stores the organization without it. Records from before the
 * outbox's marks were pairs hold them as a map (which msgpack cannot write past 65,535 keys):
 * read as pairs, written back as pairs.
 */
export function decodeOrganizationState(stored: unknown): OrganizationState {
  const s = stored as Partial<ActiveOrganization> | { status?: unknown } | null;
  if (s?.status === 'absent') return { status: 'absent' };
  const a = s as (Partial<ActiveOrganization> & { images?: unknown }) | null;
  if (a?.status !== 'active' || typeof a.organization?.id !== 'number' || !Array.isArray(a.users) || a.outbox === undefined) {
    throw new RavelError('CORRUPT', 'bad organization state');
  }
  const { images: _dropped, ...current } = a;
  const taken: unknown = a.outbox.taken;
  if (Array.isArray(taken)) return current as ActiveOrganization;
  const marks = Object.entries((taken ?? {}) as Record<string, number>);
  return { ...(current as ActiveOrganization), outbox: { ...a.outbox, taken: marks } };
}
