/** The organization actor's handlers for permission groups and ephemeral access tokens. */
import { RavelError } from '../../../core/errors.ts';
import type { EphemeralToken, PermissionsGroup } from '../../../domain/schemas/index.ts';
import type { Principal } from '../../../domain/tenancy/principal.ts';
import { checkGrantable, issueToken, MAX_TOKEN_LIFETIME_MS, tokenPrincipal, type StoredToken } from '../../../domain/tenancy/tokens.ts';
import type { OrganizationMsg } from './organization-messages.ts';
import { MAX_GROUPS, MAX_TOKENS, takeId, type ActiveOrganization } from './organization-state.ts';
import { active, allow, commit, subject, withIds, type OrgCtx } from './org-turn.ts';

type Msg<T extends OrganizationMsg['type']> = Extract<OrganizationMsg, { type: T }>;

/** The reminder that removes expired tokens (they are also refused on use before it fires). */
export const TOKEN_EXPIRY_REMINDER = 'token-expiry';

function findGroup(org: ActiveOrganization, id: number): PermissionsGroup {
  const g = org.groups.find((x) => x.id === id);
  if (g === undefined) throw new RavelError('NOT_FOUND', `no permissions group ${id}`);
  return g;
}

function putGroup(ctx: OrgCtx, org: ActiveOrganization, p: Principal, g: PermissionsGroup, change: string): PermissionsGroup {
  commit(ctx, { ...org, groups: org.groups.map((x) => (x.id === g.id ? g : x)) }, p, [{ name: 'PERMISSIONS_GROUP_CHANGED', subjects: [subject('PERMISSIONS_GROUP', g.id)], details: { change } }]);
  return g;
}

export async function createGroup(ctx: OrgCtx, m: Msg<'createGroup'>): Promise<PermissionsGroup> {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'CREATE', 'PERMISSIONS_GROUP');
  if (org.groups.length >= MAX_GROUPS) throw new RavelError('QUOTA_EXCEEDED', `at most ${MAX_GROUPS} permission groups`);
  const t = takeId(await withIds(ctx, org));
  const g: PermissionsGroup = { ...m.group, id: t.id, userIds: [] };
  commit(ctx, { ...t.org, groups: [...t.org.groups, g] }, m.principal, [{ name: 'PERMISSIONS_GROUP_CHANGED', subjects: [subject('PERMISSIONS_GROUP', g.id)], details: { change: 'created' } }]);
  return g;
}

export function getGroup(ctx: OrgCtx, m: Msg<'getGroup'>): PermissionsGroup {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'PERMISSIONS_GROUP', { id: m.groupId });
  return findGroup(org, m.groupId);
}

export function listGroups(ctx: OrgCtx, m: Msg<'listGroups'>): readonly PermissionsGroup[] {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'PERMISSIONS_GROUP');
  return org.groups;
}

export function updateGroup(ctx: OrgCtx, m: Msg<'updateGroup'>): PermissionsGroup {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'UPDATE', 'PERMISSIONS_GROUP', { id: m.groupId });
  return putGroup(ctx, org, m.principal, { ...findGroup(org, m.groupId), ...m.patch }, 'updated');
}

export function deleteGroup(ctx: OrgCtx, m: Msg<'deleteGroup'>): null {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'DELETE', 'PERMISSIONS_GROUP', { id: m.groupId });
  findGroup(org, m.groupId);
  commit(ctx, { ...org, groups: org.groups.filter((g) => g.id !== m.groupId) }, m.principal, [{ name: 'PERMISSIONS_GROUP_CHANGED', subjects: [subject('PERMISSIONS_GROUP', m.groupId)], details: { change: 'deleted' } }]);
  return null;
}

export function setGroupMember(ctx: OrgCtx, m: Msg<'addGroupMember'> | Msg<'removeGroupMember'>): PermissionsGroup {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'UPDATE', 'PERMISSIONS_GROUP', { id: m.groupId });
  const g = findGroup(org, m.groupId);
  if (!org.users.some((u) => u.id === m.userId)) throw new RavelError('NOT_FOUND', `no user ${m.userId}`, { details: { field: 'userId' } });
  const others = (g.userIds ?? []).filter((x) => x !== m.userId);
  const userIds = m.type === 'addGroupMember' ? [...others, m.userId] : others;
  return putGroup(ctx, org, m.principal, { ...g, userIds }, m.type === 'addGroupMember' ? 'member added' : 'member removed');
}

/** A token as answered: never its hash; the secret only in the answer to create. */
function publicToken(t: StoredToken): EphemeralToken {
  const { hash: _h, organizationId: _o, ...rest } = t;
  return rest;
}

function findToken(org: ActiveOrganization, id: number): StoredToken {
  const t = org.tokens.find((x) => x.id === id);
  if (t === undefined) throw new RavelError('NOT_FOUND', `no ephemeral access token ${id}`);
  return t;
}

/** Keeps the expiry reminder at the earliest expiration of the tokens left. */
function withTokens(ctx: OrgCtx, org: ActiveOrganization, tokens: readonly StoredToken[]): ActiveOrganization {
  const earliest = tokens.reduce<number | undefined>((min, t) => (min === undefined || t.expirationTime < min ? t.expirationTime : min), undefined);
  if (earliest === undefined) ctx.reminders.cancel(TOKEN_EXPIRY_REMINDER);
  else ctx.reminders.set(TOKEN_EXPIRY_REMINDER, earliest);
  return { ...org, tokens };
}

export async function createToken(ctx: OrgCtx, m: Msg<'createToken'>): Promise<EphemeralToken & { token: string }> {
  const org = active(ctx);
  const p = m.principal;
  allow(ctx, org, p, 'CREATE', 'EPHEMERAL_TOKEN');
  if (p.kind !== 'user' && p.kind !== 'token') throw new RavelError('PERMISSION_DENIED', 'tokens are made by users of the organization');
  if (org.tokens.length >= MAX_TOKENS) throw new RavelError('QUOTA_EXCEEDED', `at most ${MAX_TOKENS} tokens`);
  const t = takeId(await withIds(ctx, org));
  const { stored, secret } = issueToken(p, t.id, m.token, ctx.clock.now());
  commit(ctx, withTokens(ctx, t.org, [...t.org.tokens, stored]), p, [{ name: 'EPHEMERAL_TOKEN_CREATED', subjects: [subject('EPHEMERAL_TOKEN', t.id)] }]);
  return { ...publicToken(stored), token: secret };
}

export function resolveToken(ctx: OrgCtx, m: Msg<'resolveToken'>): Principal | null {
  if (ctx.state.status !== 'active') return null;
  const t = ctx.state.tokens.find((x) => x.hash === m.hash);
  if (t === undefined || ctx.clock.now() >= t.expirationTime) return null;
  return tokenPrincipal(t, ctx.clock.now());
}

export function getToken(ctx: OrgCtx, m: Msg<'getToken'>): EphemeralToken {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'EPHEMERAL_TOKEN', { id: m.tokenId });
  return publicToken(findToken(org, m.tokenId));
}

export function listTokens(ctx: OrgCtx, m: Msg<'listTokens'>): EphemeralToken[] {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'EPHEMERAL_TOKEN');
  return org.tokens.map(publicToken);
}

export function updateToken(ctx: OrgCtx, m: Msg<'updateToken'>): EphemeralToken {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'UPDATE', 'EPHEMERAL_TOKEN', { id: m.tokenId });
  const now = ctx.clock.now();
  const exp = m.patch.expirationTime;
  if (exp !== undefined && (exp <= now || exp > now + MAX_TOKEN_LIFETIME_MS)) {
    throw new RavelError('INVALID_ARGUMENT', 'expirationTime: in the future, within a year', { details: { field: 'expirationTime' } });
  }
  if (m.patch.permissions !== undefined) {
    const p = m.principal;
    if (p.kind !== 'user' && p.kind !== 'token') throw new RavelError('PERMISSION_DENIED', 'tokens are scoped by users of the organization');
    checkGrantable(p, m.patch.permissions, now);
  }
  const { permissions, ...rest } = m.patch;
  const t = { ...findToken(org, m.tokenId), ...rest, ...(permissions === undefined ? {} : { permissions: permissions.map((x) => structuredClone(x)) }) };
  commit(ctx, withTokens(ctx, org, org.tokens.map((x) => (x.id === t.id ? t : x))), m.principal, [{ name: 'EPHEMERAL_TOKEN_UPDATED', subjects: [subject('EPHEMERAL_TOKEN', t.id)] }]);
  return publicToken(t);
}

export function deleteToken(ctx: OrgCtx, m: Msg<'deleteToken'>): null {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'DELETE', 'EPHEMERAL_TOKEN', { id: m.tokenId });
  findToken(org, m.tokenId);
  commit(ctx, withTokens(ctx, org, org.tokens.filter((x) => x.id !== m.tokenId)), m.principal, [{ name: 'EPHEMERAL_TOKEN_DELETED', subjects: [subject('EPHEMERAL_TOKEN', m.tokenId)] }]);
  return null;
}

/** The expiry reminder fired: drop the expired tokens (they were refused on use already). */
export function expireTokens(ctx: OrgCtx): void {
  if (ctx.state.status !== 'active') return;
  const now = ctx.clock.now();
  const org = ctx.state;
  ctx.setState(withTokens(ctx, org, org.tokens.filter((t) => t.expirationTime > now)));
}
