/** Who is asking: a user of an organization, an ephemeral token of one, an operator, or the system. */
import type { Permission, Role } from '../schemas/organization.ts';

export type Principal =
  | {
      readonly kind: 'user';
      readonly organizationId: number;
      readonly userId: number;
      readonly roles: readonly Role[];
      /** Grants from the user's permission groups, beyond what the roles give. */
      readonly groupPermissions: readonly Permission[];
    }
  | {
      readonly kind: 'token';
      readonly organizationId: number;
      readonly tokenId: number;
      readonly permissions: readonly Permission[];
      readonly expiresAt: number;
    }
  | { readonly kind: 'operator'; readonly name: string }
  | { readonly kind: 'system' };

export type Action = Permission['actions'][number];
export type ResourceType = Permission['resourceType'];

/** What is being touched: its type, its owner organization, and fields filters may look at. */
export interface ResourceRef {
  readonly type: ResourceType;
  readonly organizationId: number;
  /** Absent for a collection (create, list). */
  readonly id?: number;
  /** For USER resources: the user it is, so a user may read and edit themselves. */
  readonly userId?: number;
  readonly properties?: Readonly<Record<string, unknown>>;
}
