/** What each role may do, as grants of the same shape permission groups and tokens carry. */
import { match } from 'ts-pattern';
import type { Permission, Role } from '../schemas/organization.ts';
import type { Action, ResourceType } from './principal.ts';

const ALL: Action[] = ['READ', 'CREATE', 'UPDATE', 'DELETE', 'EXECUTE'];
const WORK: ResourceType[] = ['APPLICATION', 'BLUEPRINT', 'IMAGE', 'DISK_IMAGE', 'KEY_PAIR', 'ELASTIC_IP', 'EPHEMERAL_TOKEN'];
const VISIBLE: ResourceType[] = ['APPLICATION', 'BLUEPRINT', 'IMAGE', 'DISK_IMAGE', 'KEY_PAIR', 'ELASTIC_IP', 'ORGANIZATION', 'USER', 'PERMISSIONS_GROUP', 'EVENT'];
const EVERY: ResourceType[] = [...VISIBLE, 'EPHEMERAL_TOKEN', 'BILLING'];

const grant = (types: ResourceType[], actions: Action[]): Permission[] => types.map((resourceType) => ({ resourceType, actions }));

/**
 * Admin: everything in the organization. User: sees what the organization owns and runs and
 * edits its applications and library, but not its users, groups or billing. Read-only: sees.
 */
export function roleGrants(role: Role): readonly Permission[] {
  return match(role)
    .with('ORGANIZATION_ADMIN', () => grant(EVERY, ALL))
    .with('USER', () => [...grant(WORK, ALL), ...grant(VISIBLE.filter((t) => !WORK.includes(t)), ['READ'])])
    .with('READ_ONLY', () => grant(VISIBLE, ['READ']))
    .exhaustive();
}
