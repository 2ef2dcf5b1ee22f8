/**
 * An organization's users: invite, enable, disable, delete, roles, and the login name
 * (`domain/username` when the organization has an identity domain). Pure functions over the
 * organization's user list; passwords are hashed by the caller (password.ts) since that is async.
 */
import { RavelError } from '../../core/errors.ts';
import type { InviteUser, Role, User } from '../schemas/organization.ts';

/** A user as stored: the public record plus its password hash (absent until set). */
export interface StoredUser extends User {
  readonly passwordHash?: string;
}

export interface UserDirectory {
  readonly users: readonly StoredUser[];
}

function find(dir: UserDirectory, id: number): StoredUser {
  const u = dir.users.find((x) => x.id === id);
  if (u === undefined) throw new RavelError('NOT_FOUND', `no user ${id}`);
  return u;
}

function replace(dir: UserDirectory, u: StoredUser): UserDirectory {
  return { users: dir.users.map((x) => (x.id === u.id ? u : x)) };
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Adds an invited user, enabled and not yet activated; ALREADY_EXISTS for a taken e-mail. */
export function inviteUser(dir: UserDirectory, id: number, invite: InviteUser, now: number): { directory: UserDirectory; user: StoredUser } {
  if (dir.users.some((u) => sameName(u.email, invite.email))) {
    throw new RavelError('ALREADY_EXISTS', `a user ${invite.email} exists`, { details: { field: 'email' } });
  }
  const user: StoredUser = {
    id,
    email: invite.email,
    roles: invite.roles ?? ['USER'],
    enabled: true,
    activated: false,
    creationTime: now,
    ...(invite.name === undefined ? {} : { name: invite.name }),
    ...(invite.surname === undefined ? {} : { surname: invite.surname }),
  };
  return { directory: { users: [...dir.users, user] }, user };
}

/** An organization keeps at least one enabled admin, so it can never lock itself out. */
function keepsAnAdmin(dir: UserDirectory): boolean {
  return dir.users.some((u) => u.enabled && u.roles.includes('ORGANIZATION_ADMIN'));
}

function guarded(before: UserDirectory, after: UserDirectory): UserDirectory {
  if (keepsAnAdmin(before) && !keepsAnAdmin(after)) {
    throw new RavelError('ILLEGAL_STATE', 'the organization would be left without an enabled admin');
  }
  return after;
}

export function setUserEnabled(dir: UserDirectory, id: number, enabled: boolean): UserDirectory {
  const u = find(dir, id);
  return guarded(dir, replace(dir, { ...u, enabled }));
}

export function setUserRoles(dir: UserDirectory, id: number, roles: readonly Role[]): UserDirectory {
  if (roles.length === 0) throw new RavelError('INVALID_ARGUMENT', 'a user needs a role', { details: { field: 'roles' } });
  const u = find(dir, id);
  return guarded(dir, replace(dir, { ...u, roles: [...new Set(roles)] }));
}

export function setPasswordHash(dir: UserDirectory, id: number, passwordHash: string): UserDirectory {
  const u = find(dir, id);
  return replace(dir, { ...u, passwordHash, activated: true });
}

export function deleteUser(dir: UserDirectory, id: number): UserDirectory {
  find(dir, id);
  return guarded(dir, { users: dir.users.filter((u) => u.id !== id) });
}

/** The user's public record: never the hash. */
export function publicUser(u: StoredUser): User {
  const { passwordHash: _h, ...rest } = u;
  return rest;
}

/**
 * Splits a login name: `domain/username` for organizations with an identity domain, a bare
 * username otherwise. INVALID_ARGUMENT for more than one `/` or an empty part.
 */
export function parseLoginName(login: string): { domain?: string; username: string } {
  const parts = login.split('/');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new RavelError('INVALID_ARGUMENT', 'a login is username or domain/username');
  return parts.length === 2 ? { domain: parts[0]!, username: parts[1]! } : { username: parts[0]! };
}

/**
 * The user a login names in this organization, if the domain agrees: an organization with an
 * identity domain only takes `domain/username`, one without only a bare name. Disabled users
 * and users without a password cannot log in. Answers undefined rather than saying why, so a
 * failed login never tells which part was wrong.
 */
export function userForLogin(dir: UserDirectory, identityDomain: string | undefined, login: string): StoredUser | undefined {
  let parsed: { domain?: string; username: string };
  try {
    parsed = parseLoginName(login);
  } catch {
    return undefined;
  }
  const domainOk = identityDomain === undefined ? parsed.domain === undefined : parsed.domain !== undefined && sameName(parsed.domain, identityDomain);
  if (!domainOk) return undefined;
  const u = dir.users.find((x) => sameName(x.email, parsed.username));
  return u !== undefined && u.enabled && u.passwordHash !== undefined ? u : undefined;
}
