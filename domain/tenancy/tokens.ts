/**
 * Ephemeral access tokens: scoped permissions and an expiry. A token never grants more than its
 * creator holds, so a user cannot mint their way past their role; only the secret's hash is kept.
 */
import { RavelError } from '../../core/errors.ts';
import type { EphemeralToken, Permission } from '../schemas/organization.ts';
import { isDeepStrictEqual } from 'node:util';
import { match } from 'ts-pattern';
import { userGrants } from './authorize.ts';
import type { Principal } from './principal.ts';
import { newSecret } from './secrets.ts';

export const MAX_TOKEN_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/** A token as stored: no secret, its hash. */
export interface StoredToken extends Omit<EphemeralToken, 'token'> {
  readonly organizationId: number;
  readonly hash: string;
}

export interface TokenRequest {
  readonly name: string;
  readonly description?: string;
  readonly expirationTime: number;
  readonly permissions: readonly Permission[];
}

/**
 * Issues a token for `creator`'s organization. INVALID_ARGUMENT for an expiry in the past or
 * beyond a year; PERMISSION_DENIED for a permission the creator does not hold itself.
 */
export function issueToken(creator: Principal & { organizationId: number }, id: number, req: TokenRequest, now: number): { stored: StoredToken; secret: string } {
  if (req.expirationTime <= now || req.expirationTime > now + MAX_TOKEN_LIFETIME_MS) {
    throw new RavelError('INVALID_ARGUMENT', 'expirationTime: in the future, within a year', { details: { field: 'expirationTime' } });
  }
  checkGrantable(creator, req.permissions, now);
  const s = newSecret();
  const stored: StoredToken = {
    id,
    organizationId: creator.organizationId,
    name: req.name,
    expirationTime: req.expirationTime,
    permissions: req.permissions.map((p) => structuredClone(p)),
    hash: s.hash,
    ...(req.description === undefined ? {} : { description: req.description }),
  };
  return { stored, secret: s.secret };
}

/**
 * Throws PERMISSION_DENIED unless `creator` holds every action of every permission over every
 * object the permission covers: a grant of the same type and action with no filter, or with the
 * very same filter. Asking `authorize` about the type as a whole was not enough: a grant with a
 * filter covers a list (its items are checked one by one), so a token scoped to one application
 * could mint an unscoped one.
 */
export function checkGrantable(creator: Principal & { organizationId: number }, permissions: readonly Permission[], now: number): void {
  const held = grantsOf(creator, now);
  for (const p of permissions) {
    for (const action of p.actions) {
      const covered = held.some((g) => g.resourceType === p.resourceType && g.actions.includes(action) && (g.filterCriterion === undefined || isDeepStrictEqual(g.filterCriterion, p.filterCriterion)));
      if (!covered) {
        const what = p.filterCriterion === undefined ? p.resourceType : `${p.resourceType} (filtered)`;
        throw new RavelError('PERMISSION_DENIED', `cannot grant ${action} on ${what}: the creator lacks it`, { details: { field: 'permissions' } });
      }
    }
  }
}

/** What a principal may grant on: its own grants (users and tokens are of one organization). */
function grantsOf(p: Principal & { organizationId: number }, now: number): readonly Permission[] {
  return match(p)
    .with({ kind: 'user' }, (u) => userGrants(u))
    .with({ kind: 'token' }, (t) => {
      if (now >= t.expiresAt) throw new RavelError('UNAUTHENTICATED', 'the token has expired');
      return t.permissions;
    })
    .with({ kind: 'operator' }, { kind: 'system' }, () => {
      throw new RavelError('PERMISSION_DENIED', 'tokens are made by users of the organization');
    })
    .exhaustive();
}

/** The principal a presented token acts as; UNAUTHENTICATED once expired. */
export function tokenPrincipal(t: StoredToken, now: number): Principal {
  if (now >= t.expirationTime) throw new RavelError('UNAUTHENTICATED', 'the token has expired');
  return { kind: 'token', organizationId: t.organizationId, tokenId: t.id, permissions: t.permissions, expiresAt: t.expirationTime };
}
