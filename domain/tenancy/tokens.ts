/**
 * Ephemeral access tokens: scoped permissions and an expiry. A token never grants more than its
 * creator holds, so a user cannot mint their way past their role; only the secret's hash is kept.
 */
import { RavelError } from '../../core/errors.ts';
import type { EphemeralToken, Permission } from '../schemas/organization.ts';
import { authorize } from './authorize.ts';
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
  for (const p of req.permissions) {
    for (const action of p.actions) {
      const d = authorize(creator, action, { type: p.resourceType, organizationId: creator.organizationId }, now);
      if (!d.allowed) {
        throw new RavelError('PERMISSION_DENIED', `cannot grant ${action} on ${p.resourceType}: the creator lacks it`, { details: { field: 'permissions' } });
      }
    }
  }
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

/** The principal a presented token acts as; UNAUTHENTICATED once expired. */
export function tokenPrincipal(t: StoredToken, now: number): Principal {
  if (now >= t.expirationTime) throw new RavelError('UNAUTHENTICATED', 'the token has expired');
  return { kind: 'token', organizationId: t.organizationId, tokenId: t.id, permissions: t.permissions, expiresAt: t.expirationTime };
}
