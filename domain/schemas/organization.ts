/** The organization: its users, permission groups, tokens, limits and elastic IPs. */
import { Type, type Static } from '@sinclair/typebox';
import { Description, EpochMillis, Ipv4, LocalId, Name, ServerId } from './common.ts';
import { FilterCriterion } from './application.ts';

/** Letters, digits, `.`, `_` and `-`: the part before `/` in `domain/username`. */
export const IdentityDomain = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' });

export const Organization = Type.Object({
  id: ServerId,
  name: Name,
  description: Type.Optional(Description),
  identityDomain: Type.Optional(IdentityDomain),
});
export type Organization = Static<typeof Organization>;

export const Role = Type.Union([Type.Literal('ORGANIZATION_ADMIN'), Type.Literal('USER'), Type.Literal('READ_ONLY')]);
export type Role = Static<typeof Role>;

/** A login name: the e-mail or user name, without `/` (the domain goes before it). */
export const UserName = Type.String({ pattern: '^[^/\\s]{1,254}$' });

export const User = Type.Object({
  id: ServerId,
  email: UserName,
  name: Type.Optional(Name),
  surname: Type.Optional(Name),
  roles: Type.Array(Role, { minItems: 1, maxItems: 3, uniqueItems: true }),
  enabled: Type.Boolean(),
  /** Invited users have no password until they set one. */
  activated: Type.Optional(Type.Boolean()),
  creationTime: Type.Optional(EpochMillis),
});
export type User = Static<typeof User>;

export const InviteUser = Type.Object({
  email: UserName,
  name: Type.Optional(Name),
  surname: Type.Optional(Name),
  roles: Type.Optional(Type.Array(Role, { minItems: 1, maxItems: 3, uniqueItems: true })),
});
export type InviteUser = Static<typeof InviteUser>;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;
export const Password = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH });

/** `PUT /users/{id}/changepw`. An admin changing someone else's password omits the old one. */
export const ChangePassword = Type.Object({
  existingPassword: Type.Optional(Type.String({ maxLength: MAX_PASSWORD_LENGTH })),
  newPassword: Password,
});
export type ChangePassword = Static<typeof ChangePassword>;

export const PermissionAction = Type.Union(
  ['READ', 'CREATE', 'UPDATE', 'DELETE', 'EXECUTE'].map((a) => Type.Literal(a)),
);
export type PermissionAction = 'READ' | 'CREATE' | 'UPDATE' | 'DELETE' | 'EXECUTE';

export const ResourceType = Type.Union(
  [
    'APPLICATION',
    'BLUEPRINT',
    'IMAGE',
    'DISK_IMAGE',
    'KEY_PAIR',
    'ELASTIC_IP',
    'USER',
    'PERMISSIONS_GROUP',
    'ORGANIZATION',
    'EPHEMERAL_TOKEN',
    'BILLING',
    'EVENT',
  ].map((t) => Type.Literal(t)),
);

/** A grant: these actions on resources of this type, optionally only those matching a filter. */
export const Permission = Type.Object({
  actions: Type.Array(PermissionAction, { minItems: 1, maxItems: 5, uniqueItems: true }),
  resourceType: ResourceType,
  filterCriterion: Type.Optional(FilterCriterion),
});
export type Permission = Static<typeof Permission>;

export const PermissionsGroup = Type.Object({
  id: ServerId,
  name: Name,
  description: Type.Optional(Description),
  permissions: Type.Array(Permission, { maxItems: 64 }),
  userIds: Type.Optional(Type.Array(ServerId, { maxItems: 10_000 })),
});
export type PermissionsGroup = Static<typeof PermissionsGroup>;

export const EphemeralToken = Type.Object({
  id: ServerId,
  name: Name,
  description: Type.Optional(Description),
  expirationTime: EpochMillis,
  permissions: Type.Array(Permission, { minItems: 1, maxItems: 64 }),
  /** Shown once, in the answer to create; only its hash is stored. */
  token: Type.Optional(Type.String({ maxLength: 256 })),
});
export type EphemeralToken = Static<typeof EphemeralToken>;

/** A token's permissions: what it may do, each no wider than its creator's own grants. */
export const TokenPermissions = Type.Array(Permission, { minItems: 1, maxItems: 64 });

export const CreateEphemeralToken = Type.Object({
  name: Name,
  description: Type.Optional(Description),
  expirationTime: EpochMillis,
  permissions: TokenPermissions,
});

/** `PUT /ephemeralAccessTokens/{id}`: what may change; new permissions are checked as at creation, against the one who changes them. */
export const TokenPatch = Type.Object({
  name: Type.Optional(Name),
  description: Type.Optional(Description),
  expirationTime: Type.Optional(EpochMillis),
  permissions: Type.Optional(TokenPermissions),
});
export type TokenPatch = Static<typeof TokenPatch>;

/** What an organization may use at once; absent: no limit. */
export const Limits = Type.Object({
  maxRunningVms: Type.Optional(Type.Integer({ minimum: 0 })),
  maxCpus: Type.Optional(Type.Integer({ minimum: 0 })),
  maxMemoryMb: Type.Optional(Type.Integer({ minimum: 0 })),
  maxDiskMb: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type Limits = Static<typeof Limits>;

/** Which NIC an elastic IP is bound to. */
export const ElasticIpAttachment = Type.Object({ applicationId: ServerId, vmId: LocalId, nicId: LocalId });

export const ElasticIp = Type.Object({
  ip: Ipv4,
  location: Type.String({ minLength: 1, maxLength: 64 }),
  attachedTo: Type.Optional(ElasticIpAttachment),
});
export type ElasticIp = Static<typeof ElasticIp>;

export const AllocateElasticIp = Type.Object({ location: Type.String({ minLength: 1, maxLength: 64 }) });
