/** What each role may do, as grants of the same shape permission groups and tokens carry. */
import { match } from 'ts-pattern';
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
  return match(role)
    .with('ORGANIZATION_ADMIN', () => ADMIN_GRANTS)
    .with('USER', () => USER_GRANTS)
    .with('READ_ONLY', () => READ_ONLY_GRANTS)
    .exhaustive();
}
