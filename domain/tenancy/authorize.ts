/**
 * The one access check, run by every actor before it acts. Another organization's object is
 * answered exactly like a missing one (NOT_FOUND), and so is an object of one's own
 * organization that the principal may not even read; an object it may read but not change is
 * PERMISSION_DENIED. An expired token is UNAUTHENTICATED (the client logs in again).
 */
import { RavelError } from '../../core/errors.ts';
import { matchesFilter } from '../filter-criterion.ts';
import type { Permission } from '../schemas/organization.ts';
import type { Action, Principal, ResourceRef } from './principal.ts';
import { roleGrants } from './roles.ts';

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly error: RavelError };

const ALLOW: Decision = { allowed: true };

function notFound(resource: ResourceRef): Decision {
  const what = resource.id === undefined ? resource.type : `${resource.type} ${resource.id}`;
  return { allowed: false, error: new RavelError('NOT_FOUND', `no ${what}`) };
}

/**
 * Decides whether `principal` may do `action` on `resource`. Pure; never throws. A switch, not
 * a ts-pattern chain: this runs on every request an actor serves, and the chain builds every
 * arm on each call; the `never` below keeps it exhaustive all the same.
 */
export function authorize(principal: Principal, action: Action, resource: ResourceRef, now: number): Decision {
  switch (principal.kind) {
    case 'user':
      if (principal.organizationId !== resource.organizationId) return notFound(resource);
      // Everyone may see and edit themselves (name, password), whatever the role.
      if (resource.type === 'USER' && resource.userId === principal.userId && (action === 'READ' || action === 'UPDATE')) return ALLOW;
      return decide(userGrants(principal), action, resource);
    case 'token':
      if (principal.organizationId !== resource.organizationId) return notFound(resource);
      if (now >= principal.expiresAt) return { allowed: false, error: new RavelError('UNAUTHENTICATED', 'the token has expired') };
      return decide(principal.permissions, action, resource);
    case 'system':
    case 'operator':
      return ALLOW;
    default:
      return principal satisfies never;
  }
}

type UserPrincipal = Extract<Principal, { kind: 'user' }>;

// Principals are immutable and the gateway reuses one per credential, so the grants are worked
// out once per principal, not on every request (they were ~17% of an embedded read's ask).
const grantsOf = new WeakMap<UserPrincipal, readonly Permission[]>();

/** What a user may do: its roles' grants and its permission groups'. */
export function userGrants(p: UserPrincipal): readonly Permission[] {
  // A principal decoded from the bus is a new object every time: the usual one role and no
  // group needs neither a new array nor a cache entry (whose upkeep was ~6% of a node's read).
  if (p.groupPermissions.length === 0 && p.roles.length === 1 && p.roles[0] !== undefined) return roleGrants(p.roles[0]);
  let grants = grantsOf.get(p);
  if (grants === undefined) {
    grants = [...p.roles.flatMap(roleGrants), ...p.groupPermissions];
    grantsOf.set(p, grants);
  }
  return grants;
}

/** Throws the refusal, for callers that stop at the first error. */
export function authorizeOrThrow(principal: Principal, action: Action, resource: ResourceRef, now: number): void {
  const d = authorize(principal, action, resource, now);
  if (!d.allowed) throw d.error;
}

function decide(grants: readonly Permission[], action: Action, resource: ResourceRef): Decision {
  let readable = false;
  for (const g of grants) {
    if (g.resourceType !== resource.type || !appliesTo(g, resource)) continue;
    if (g.actions.includes(action)) return ALLOW;
    readable ||= g.actions.includes('READ');
  }
  if (!readable) return notFound(resource);
  return { allowed: false, error: new RavelError('PERMISSION_DENIED', `${action} on ${resource.type} is not permitted`) };
}

/** A grant without a filter covers every object of its type; with one, those it matches. A list (no id) is covered: its items are checked one by one. */
function appliesTo(g: Permission, resource: ResourceRef): boolean {
  if (g.filterCriterion === undefined || resource.id === undefined) return true;
  return matchesFilter(g.filterCriterion, { ...resource.properties, id: resource.id });
}
