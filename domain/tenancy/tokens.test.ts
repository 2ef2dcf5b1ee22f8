import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { authorize } from './authorize.ts';
import { issueToken, tokenPrincipal } from './tokens.ts';
import { secretMatches } from './secrets.ts';
import type { Principal } from './principal.ts';

const now = 1_000_000;
const admin: Principal & { organizationId: number } = { kind: 'user', organizationId: 1, userId: 1, roles: ['ORGANIZATION_ADMIN'], groupPermissions: [] };
const reader: Principal & { organizationId: number } = { kind: 'user', organizationId: 1, userId: 2, roles: ['READ_ONLY'], groupPermissions: [] };

test('a token is stored hashed and acts with its scoped permissions until it expires', () => {
  const { stored, secret } = issueToken(admin, 9, { name: 't', expirationTime: now + 1000, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }] }, now);
  assert.ok(secretMatches(secret, stored.hash));
  assert.equal(JSON.stringify(stored).includes(secret), false);
  const p = tokenPrincipal(stored, now);
  assert.ok(authorize(p, 'READ', { type: 'APPLICATION', organizationId: 1, id: 3 }, now).allowed);
  assert.equal(authorize(p, 'EXECUTE', { type: 'APPLICATION', organizationId: 1, id: 3 }, now).allowed, false);
  assert.throws(() => tokenPrincipal(stored, now + 1000), (e: unknown) => isRavelError(e, 'UNAUTHENTICATED'));
});

test('a token cannot grant more than its creator holds, nor expire in the past', () => {
  assert.throws(
    () => issueToken(reader, 9, { name: 't', expirationTime: now + 1000, permissions: [{ actions: ['EXECUTE'], resourceType: 'APPLICATION' }] }, now),
    (e: unknown) => isRavelError(e, 'PERMISSION_DENIED'),
  );
  assert.throws(
    () => issueToken(admin, 9, { name: 't', expirationTime: now, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION' }] }, now),
    (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'),
  );
});

test('a scoped creator cannot mint a token wider than its scope: a filter it holds is granted as it is, never dropped', () => {
  const onlyWeb = { type: 'SIMPLE', operator: 'Equals', propertyName: 'name', operand: 'web' } as const;
  const scoped = issueToken(admin, 10, { name: 'web only', expirationTime: now + 10_000, permissions: [{ actions: ['READ', 'EXECUTE'], resourceType: 'APPLICATION', filterCriterion: onlyWeb }] }, now);
  const tokenCreator = tokenPrincipal(scoped.stored, now) as Principal & { organizationId: number };
  assert.throws(
    () => issueToken(tokenCreator, 11, { name: 'all', expirationTime: now + 1000, permissions: [{ actions: ['EXECUTE'], resourceType: 'APPLICATION' }] }, now),
    (e: unknown) => isRavelError(e, 'PERMISSION_DENIED'),
    'a token scoped to one application minted one for all',
  );
  const other = { ...onlyWeb, operand: 'db' };
  assert.throws(
    () => issueToken(tokenCreator, 11, { name: 'db', expirationTime: now + 1000, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION', filterCriterion: other }] }, now),
    (e: unknown) => isRavelError(e, 'PERMISSION_DENIED'),
  );
  const same = issueToken(tokenCreator, 12, { name: 'web read', expirationTime: now + 1000, permissions: [{ actions: ['READ'], resourceType: 'APPLICATION', filterCriterion: onlyWeb }] }, now);
  assert.equal(same.stored.permissions[0]?.filterCriterion?.type, 'SIMPLE');
  // A user whose only EXECUTE comes from a filtered group grant is held to that filter too.
  const grouped: Principal & { organizationId: number } = { ...reader, userId: 3, groupPermissions: [{ actions: ['EXECUTE'], resourceType: 'APPLICATION', filterCriterion: onlyWeb }] };
  assert.throws(
    () => issueToken(grouped, 13, { name: 'all', expirationTime: now + 1000, permissions: [{ actions: ['EXECUTE'], resourceType: 'APPLICATION' }] }, now),
    (e: unknown) => isRavelError(e, 'PERMISSION_DENIED'),
  );
  // An unfiltered grant covers a filtered request.
  assert.doesNotThrow(() => issueToken(admin, 14, { name: 'narrow', expirationTime: now + 1000, permissions: [{ actions: ['EXECUTE'], resourceType: 'APPLICATION', filterCriterion: onlyWeb }] }, now));
});
