/**
 * The organization actor's messages, as schemas: each is checked at the actor's boundary with
 * `parseInput`, so a bad field is INVALID_ARGUMENT naming its path and nothing runs. Messages
 * from callers carry the principal; the actor authorizes it against its own organization.
 */
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { AllocateElasticIp, ChangePassword, CreateEphemeralToken, CreateKeyPair, Description, ElasticIpAttachment, IdentityDomain, InviteUser, Ipv4, Limits, LocalId, Name, Password, Permission, Role, ServerId, TokenPatch, UserName } from '../../../domain/schemas/index.ts';
import { MAX_PASSWORD_LENGTH } from '../../../domain/schemas/organization.ts';
import { MAX_HANDOVER } from '../../../events/event-outbox.ts';
import { ForwardedEventSchema } from './forwarded-event-schema.ts';
import { PrincipalSchema } from './principal-schema.ts';

const asks = <T extends string, P extends TProperties>(type: T, props: P): TObject<P & { type: ReturnType<typeof Type.Literal<T>>; principal: typeof PrincipalSchema }> =>
  Type.Object({ type: Type.Literal(type), principal: PrincipalSchema, ...props });
const internal = <T extends string, P extends TProperties>(type: T, props: P): TObject<P & { type: ReturnType<typeof Type.Literal<T>> }> =>
  Type.Object({ type: Type.Literal(type), ...props });

const Hash = Type.String({ minLength: 1, maxLength: 128 });
const GroupBody = Type.Object({ name: Name, description: Type.Optional(Description), permissions: Type.Array(Permission, { maxItems: 64 }) });

export const OrganizationMsgSchema = Type.Union([
  asks('create', {
    name: Name,
    description: Type.Optional(Description),
    identityDomain: Type.Optional(IdentityDomain),
    admin: Type.Object({ email: UserName, password: Password, name: Type.Optional(Name), surname: Type.Optional(Name) }),
  }),
  asks('get', {}),
  asks('update', { patch: Type.Object({ name: Type.Optional(Name), description: Type.Optional(Description) }) }),
  asks('getLimits', {}),
  asks('setLimits', { limits: Limits }),
  internal('login', { login: Type.String({ minLength: 1, maxLength: 512 }), password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }) }),
  internal('logout', { hash: Hash }),
  internal('resolveSession', { hash: Hash }),
  internal('resolveToken', { hash: Hash }),
  asks('inviteUser', { invite: InviteUser }),
  asks('getUser', { userId: ServerId }),
  asks('listUsers', {}),
  asks('updateUser', { userId: ServerId, patch: Type.Object({ name: Type.Optional(Name), surname: Type.Optional(Name), roles: Type.Optional(Type.Array(Role, { minItems: 1, maxItems: 3, uniqueItems: true })) }) }),
  asks('changePassword', { userId: ServerId, change: ChangePassword }),
  asks('setUserEnabled', { userId: ServerId, enabled: Type.Boolean() }),
  asks('deleteUser', { userId: ServerId }),
  asks('createGroup', { group: GroupBody }),
  asks('getGroup', { groupId: ServerId }),
  asks('listGroups', {}),
  asks('updateGroup', { groupId: ServerId, patch: Type.Partial(GroupBody) }),
  asks('deleteGroup', { groupId: ServerId }),
  asks('addGroupMember', { groupId: ServerId, userId: ServerId }),
  asks('removeGroupMember', { groupId: ServerId, userId: ServerId }),
  asks('createToken', { token: CreateEphemeralToken }),
  asks('getToken', { tokenId: ServerId }),
  asks('listTokens', {}),
  asks('updateToken', { tokenId: ServerId, patch: TokenPatch }),
  asks('deleteToken', { tokenId: ServerId }),
  asks('createKeyPair', { keyPair: CreateKeyPair }),
  asks('generateKeyPair', { name: Name }),
  asks('getKeyPair', { keyPairId: ServerId }),
  asks('listKeyPairs', {}),
  asks('updateKeyPair', { keyPairId: ServerId, name: Name }),
  asks('deleteKeyPair', { keyPairId: ServerId }),
  asks('allocateElasticIp', { request: AllocateElasticIp }),
  asks('listElasticIps', {}),
  asks('releaseElasticIp', { ip: Ipv4 }),
  asks('attachElasticIp', { ip: Ipv4, nic: ElasticIpAttachment, region: Type.String({ minLength: 1, maxLength: 64 }) }),
  asks('detachElasticIp', { ip: Ipv4 }),
  asks('reserveApplication', {}),
  asks('listApplications', {}),
  /** From an application deleted (all its VMs) or VMs removed from it: their elastic IPs detached. */
  internal('detachApplicationIps', { applicationId: ServerId, vmIds: Type.Optional(Type.Array(LocalId, { maxItems: 256 })) }),
  /** From an application: what it runs now; with `check`, refused past the limits (org-usage.ts). */
  internal('setUsage', {
    applicationId: ServerId,
    usage: Type.Object({ runningVms: Type.Integer({ minimum: 0 }), cpus: Type.Integer({ minimum: 0 }), memoryMb: Type.Integer({ minimum: 0 }), diskMb: Type.Integer({ minimum: 0 }) }),
    check: Type.Boolean(),
  }),
  internal('recordEvents', { source: Type.String({ minLength: 1, maxLength: 64 }), events: Type.Array(ForwardedEventSchema, { maxItems: MAX_HANDOVER }) }),
]);

export type OrganizationMsg = Static<typeof OrganizationMsgSchema>;
