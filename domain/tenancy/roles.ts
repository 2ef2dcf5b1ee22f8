/** What each role may do, as grants of the same shape permission groups and tokens carry. */
import type { Permission, Role } from '../schemas/organization.ts';
import type { Action, ResourceType } from './principal.ts';

const ALL: Action[] = ['READ', 'CREATE', 'UPDATE', 'DELETE', 'EXECUTE'];
const WORK: ResourceType[] = ['APPLICATION', 'BLUEPRINT', 'IMAGE', 'DISK_IMAGE', 'KEY_PAIR', 'ELASTIC_IP', 'EPHEMERAL_TOKEN'];
const VISIBLE: ResourceType[] = ['APPLICATION', 'BLUEPRINT', 'IMAGE', 'DISK_IMAGE', 'KEY_PAIR', 'ELASTIC_IP', 'ORGANIZATION', 'USER', 'PERMISSIONS_GROUP', 'EVENT'];
const EVERY: ResourceType[] = [...VISIBLE, 'EPHEMERAL_TOKEN', 'BILLING'];

const grant = (types: ResourceType[], actions: Action[]): Permission[] => types.map((resourceType) => ({ resourceType, actions }));

// Built once: every access check asks for its principal's role grants (the REST read included).
const ADMIN_GRANTS: readonly Permission[] = Object.freeze(grant(EVERY, ALL));
const USER_GRANTS: readonly Permission[] = Object.freeze([...grant(WORK, ALL), ...grant(VISIBLE.filter((t) => !WORK.includes(t)), ['READ'])]);
const READ_ONLY_GRANTS: readonly Permission[] = Object.freeze(grant(VISIBLE, ['READ']));

/**
 * Admin: everything in the organization. User: sees what the organization owns and runs and
 * edits its applications and library, but not its users, groups or billing. Read-only: sees.
 */
export function roleGrants(role: Role): readonly Permission[] {
  return GRANTS_OF[role]; // every access check: a lookup, not a pattern chain
}

/** Exhaustive by its type: a role added to Role and missing here does not compile. */
const GRANTS_OF: Readonly<Record<Role, readonly Permission[]>> = {
  ORGANIZATION_ADMIN: ADMIN_GRANTS,
  USER: USER_GRANTS,
  READ_ONLY: READ_ONLY_GRANTS,
};
