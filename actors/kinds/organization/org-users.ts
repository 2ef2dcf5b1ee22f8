/** The organization actor's handlers for the tenant itself, its users, logins and sessions. */
import { RavelError } from '../../../core/errors.ts';
import type { Organization, User } from '../../../domain/schemas/index.ts';
import { hashPassword, verifyPassword } from '../../../domain/tenancy/password.ts';
import type { Principal } from '../../../domain/tenancy/principal.ts';
import { isSessionLive, newSession } from '../../../domain/tenancy/secrets.ts';
import { deleteUser, inviteUser, publicUser, setPasswordHash, setUserEnabled, setUserRoles, userForLogin, type StoredUser } from '../../../domain/tenancy/users.ts';
import type { ActorRef } from '../../actor-kind.ts';
import { newTenantOutbox } from '../../../events/event-outbox.ts';
import { domainKey, userKey } from './org-directory-kind.ts';
import type { OrganizationMsg } from './organization-messages.ts';
import { MAX_SESSIONS, MAX_USERS, organizationIdOf, takeId, type ActiveOrganization } from './organization-state.ts';
import { active, allow, commit, subject, withIds, type OrganizationDeps, type OrgCtx } from './org-turn.ts';

type Msg<T extends OrganizationMsg['type']> = Extract<OrganizationMsg, { type: T }>;

export interface LoginReply {
  readonly secret: string;
  readonly expiresAt: number;
  readonly user: User;
  readonly principal: Principal;
}

const requireOperator = (p: Principal): void => {
  if (p.kind !== 'operator' && p.kind !== 'system') throw new RavelError('PERMISSION_DENIED', 'operator credentials required');
};

/** The principal a user acts as now: roles and the grants of the groups they belong to. */
function userPrincipal(org: ActiveOrganization, u: StoredUser): Principal {
  const groupPermissions = org.groups.filter((g) => g.userIds?.includes(u.id) === true).flatMap((g) => g.permissions);
  return { kind: 'user', organizationId: org.organization.id, userId: u.id, roles: u.roles, groupPermissions };
}

function findUser(org: ActiveOrganization, id: number): StoredUser {
  const u = org.users.find((x) => x.id === id);
  if (u === undefined) throw new RavelError('NOT_FOUND', `no user ${id}`);
  return u;
}

/** The directory key a user's login claims: none when the organization has an identity domain. */
const loginKey = (org: { identityDomain?: string }, email: string): ActorRef | undefined => (org.identityDomain === undefined ? userKey(email) : undefined);

export async function createOrganization(ctx: OrgCtx, m: Msg<'create'>, deps: OrganizationDeps): Promise<{ organization: Organization; admin: User }> {
  requireOperator(m.principal);
  if (ctx.state.status === 'active') throw new RavelError('ALREADY_EXISTS', 'the organization exists');
  const id = organizationIdOf(ctx.self.id);
  const now = ctx.clock.now();
  const organization: Organization = {
    id,
    name: m.name,
    ...(m.description === undefined ? {} : { description: m.description }),
    ...(m.identityDomain === undefined ? {} : { identityDomain: m.identityDomain }),
  };
  const claim = m.identityDomain === undefined ? userKey(m.admin.email) : domainKey(m.identityDomain);
  await ctx.actors.ask(claim, { type: 'claim', organizationId: id });
  const passwordHash = await hashPassword(m.admin.password, deps.scrypt);
  const empty: ActiveOrganization = {
    status: 'active', organization, ids: { first: 0, count: 0 }, users: [], groups: [], sessions: [], tokens: [], keyPairs: [],
    limits: {}, elasticIps: { ips: [] }, applications: [], outbox: newTenantOutbox(id), releases: [],
  };
  const t = takeId(await withIds(ctx, empty));
  const invite = { email: m.admin.email, roles: ['ORGANIZATION_ADMIN' as const], ...(m.admin.name === undefined ? {} : { name: m.admin.name }), ...(m.admin.surname === undefined ? {} : { surname: m.admin.surname }) };
  const dir = setPasswordHash(inviteUser({ users: [] }, t.id, invite, now).directory, t.id, passwordHash);
  const admin = findUser({ ...t.org, users: dir.users }, t.id);
  commit(ctx, { ...t.org, users: dir.users }, m.principal, [
    { name: 'ORGANIZATION_CREATED', subjects: [subject('ORGANIZATION', id)], details: { name: m.name } },
    { name: 'USER_INVITED', subjects: [subject('USER', t.id)], details: { email: admin.email } },
  ]);
  return { organization, admin: publicUser(admin) };
}

export function getOrganization(ctx: OrgCtx, m: Msg<'get'>): Organization {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'ORGANIZATION', { id: org.organization.id });
  return org.organization;
}

export function updateOrganization(ctx: OrgCtx, m: Msg<'update'>): Organization {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'UPDATE', 'ORGANIZATION', { id: org.organization.id });
  const organization = { ...org.organization, ...m.patch };
  commit(ctx, { ...org, organization }, m.principal, [{ name: 'ORGANIZATION_UPDATED', subjects: [subject('ORGANIZATION', organization.id)] }]);
  return organization;
}

export async function login(ctx: OrgCtx, m: Msg<'login'>, deps: OrganizationDeps): Promise<LoginReply | null> {
  const org = active(ctx);
  const now = ctx.clock.now();
  const u = userForLogin(org, org.organization.identityDomain, m.login);
  const ok = u?.passwordHash !== undefined && (await verifyPassword(m.password, u.passwordHash));
  if (u === undefined || !ok) {
    commit(ctx, org, { kind: 'system' }, [{ name: 'USER_LOGIN_FAILED', details: { login: m.login.slice(0, 255) } }]);
    return null;
  }
  const { session, secret } = newSession(org.organization.id, u.id, now, deps.sessionTtlMs);
  const sessions = [...org.sessions.filter((s) => isSessionLive(s, now)), session].slice(-MAX_SESSIONS);
  const principal = userPrincipal(org, u);
  commit(ctx, { ...org, sessions }, principal, [{ name: 'USER_LOGIN', subjects: [subject('USER', u.id)] }]);
  return { secret, expiresAt: session.expiresAt, user: publicUser(u), principal };
}

export function logout(ctx: OrgCtx, m: Msg<'logout'>): null {
  const org = active(ctx);
  const s = org.sessions.find((x) => x.hash === m.hash);
  if (s === undefined) return null;
  const u = org.users.find((x) => x.id === s.userId);
  const sessions = org.sessions.filter((x) => x !== s);
  commit(ctx, { ...org, sessions }, u === undefined ? { kind: 'system' } : userPrincipal(org, u), [{ name: 'USER_LOGOUT', subjects: [subject('USER', s.userId)] }]);
  return null;
}

export function resolveSession(ctx: OrgCtx, m: Msg<'resolveSession'>): Principal | null {
  if (ctx.state.status !== 'active') return null;
  const org = ctx.state;
  const s = org.sessions.find((x) => x.hash === m.hash);
  const u = s === undefined ? undefined : org.users.find((x) => x.id === s.userId);
  if (s === undefined || u === undefined || !u.enabled || !isSessionLive(s, ctx.clock.now())) return null;
  return userPrincipal(org, u);
}

export async function invite(ctx: OrgCtx, m: Msg<'inviteUser'>): Promise<User> {
  let org = active(ctx);
  allow(ctx, org, m.principal, 'CREATE', 'USER');
  if (org.users.length >= MAX_USERS) throw new RavelError('QUOTA_EXCEEDED', `at most ${MAX_USERS} users`);
  const claim = loginKey(org.organization, m.invite.email);
  inviteUser(org, 0, m.invite, 0); // refuses a taken name before anything is claimed
  if (claim !== undefined) await ctx.actors.ask(claim, { type: 'claim', organizationId: org.organization.id });
  const t = takeId(await withIds(ctx, org));
  org = t.org;
  const r = inviteUser(org, t.id, m.invite, ctx.clock.now());
  commit(ctx, { ...org, users: r.directory.users }, m.principal, [{ name: 'USER_INVITED', subjects: [subject('USER', t.id)], details: { email: r.user.email } }]);
  return publicUser(r.user);
}

export function getUser(ctx: OrgCtx, m: Msg<'getUser'>): User {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'USER', { id: m.userId, userId: m.userId });
  return publicUser(findUser(org, m.userId));
}

export function listUsers(ctx: OrgCtx, m: Msg<'listUsers'>): User[] {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'USER');
  return org.users.map(publicUser);
}

export function updateUser(ctx: OrgCtx, m: Msg<'updateUser'>): User {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'UPDATE', 'USER', { id: m.userId, userId: m.userId });
  const { roles, ...names } = m.patch;
  let users = org.users;
  if (roles !== undefined) {
    allow(ctx, org, m.principal, 'UPDATE', 'USER', { id: m.userId }); // no one changes their own roles
    users = setUserRoles(org, m.userId, roles).users;
  }
  const u = { ...findUser({ ...org, users }, m.userId), ...names };
  users = users.map((x) => (x.id === u.id ? u : x));
  commit(ctx, { ...org, users }, m.principal, [{ name: 'USER_UPDATED', subjects: [subject('USER', u.id)] }]);
  return publicUser(u);
}

export async function changePassword(ctx: OrgCtx, m: Msg<'changePassword'>, deps: OrganizationDeps): Promise<null> {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'UPDATE', 'USER', { id: m.userId, userId: m.userId });
  const u = findUser(org, m.userId);
  const self = m.principal.kind === 'user' && m.principal.userId === m.userId;
  if (self || m.change.existingPassword !== undefined) {
    const ok = u.passwordHash !== undefined && m.change.existingPassword !== undefined && (await verifyPassword(m.change.existingPassword, u.passwordHash));
    if (!ok) throw new RavelError('INVALID_ARGUMENT', 'existingPassword: does not match', { details: { field: 'existingPassword' } });
  } else {
    allow(ctx, org, m.principal, 'UPDATE', 'USER', { id: m.userId });
  }
  const hash = await hashPassword(m.change.newPassword, deps.scrypt);
  const users = setPasswordHash(org, m.userId, hash).users;
  // Other sessions of the user end: a changed password is often a response to a leak.
  const sessions = org.sessions.filter((s) => s.userId !== m.userId);
  commit(ctx, { ...org, users, sessions }, m.principal, [{ name: 'USER_PASSWORD_CHANGED', subjects: [subject('USER', m.userId)] }]);
  return null;
}

export function setEnabled(ctx: OrgCtx, m: Msg<'setUserEnabled'>): User {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'UPDATE', 'USER', { id: m.userId });
  const users = setUserEnabled(org, m.userId, m.enabled).users;
  const sessions = m.enabled ? org.sessions : org.sessions.filter((s) => s.userId !== m.userId);
  commit(ctx, { ...org, users, sessions }, m.principal, [{ name: m.enabled ? 'USER_ENABLED' : 'USER_DISABLED', subjects: [subject('USER', m.userId)] }]);
  return publicUser(findUser({ ...org, users }, m.userId));
}

export function removeUser(ctx: OrgCtx, m: Msg<'deleteUser'>): null {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'DELETE', 'USER', { id: m.userId, userId: m.userId });
  const u = findUser(org, m.userId);
  const users = deleteUser(org, m.userId).users;
  const groups = org.groups.map((g) => (g.userIds?.includes(u.id) === true ? { ...g, userIds: g.userIds.filter((x) => x !== u.id) } : g));
  const key = loginKey(org.organization, u.email);
  const releases = key === undefined ? org.releases : [...org.releases, { ref: key, msg: { type: 'release' as const, organizationId: org.organization.id } }];
  const sessions = org.sessions.filter((s) => s.userId !== u.id);
  commit(ctx, { ...org, users, groups, sessions, releases }, m.principal, [{ name: 'USER_DELETED', subjects: [subject('USER', u.id)] }]);
  return null;
}
