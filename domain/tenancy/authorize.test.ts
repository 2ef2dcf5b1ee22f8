import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { authorize } from './authorize.ts';
import type { Action, Principal, ResourceRef, ResourceType } from './principal.ts';
import type { Role } from '../schemas/organization.ts';

const now = 1_000_000;
const user = (roles: Role[], organizationId = 1): Principal => ({ kind: 'user', organizationId, userId: 10, roles, groupPermissions: [] });
const app = (organizationId = 1, id = 5, name = 'web'): ResourceRef => ({ type: 'APPLICATION', organizationId, id, properties: { name } });
const code = (p: Principal, a: Action, r: ResourceRef): string => {
  const d = authorize(p, a, r, now);
  return d.allowed ? 'ALLOWED' : d.error.code;
};

const actions: Action[] = ['READ', 'CREATE', 'UPDATE', 'DELETE', 'EXECUTE'];
const types: ResourceType[] = ['APPLICATION', 'BLUEPRINT', 'IMAGE', 'DISK_IMAGE', 'KEY_PAIR', 'ELASTIC_IP', 'USER', 'PERMISSIONS_GROUP', 'ORGANIZATION', 'EPHEMERAL_TOKEN', 'BILLING', 'EVENT'];

test('property: another organization’s object is always NOT_FOUND, for every principal, action and type', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<Role>('ORGANIZATION_ADMIN', 'USER', 'READ_ONLY'),
      fc.constantFrom(...actions),
      fc.constantFrom(...types),
      fc.boolean(),
      fc.boolean(),
      (role, action, type, asToken, listing) => {
        const p: Principal = asToken
          ? { kind: 'token', organizationId: 1, tokenId: 3, expiresAt: now + 1, permissions: [{ actions, resourceType: type }] }
          : user([role]);
        const r: ResourceRef = listing ? { type, organizationId: 2 } : { type, organizationId: 2, id: 5, userId: 10 };
        assert.equal(code(p, action, r), 'NOT_FOUND');
      },
    ),
  );
});

test('roles: admin does all; user runs applications but cannot manage users; read-only only reads', () => {
  assert.equal(code(user(['ORGANIZATION_ADMIN']), 'DELETE', { type: 'USER', organizationId: 1, id: 11, userId: 11 }), 'ALLOWED');
  assert.equal(code(user(['USER']), 'EXECUTE', app()), 'ALLOWED');
  assert.equal(code(user(['USER']), 'CREATE', { type: 'USER', organizationId: 1 }), 'PERMISSION_DENIED');
  assert.equal(code(user(['USER']), 'READ', { type: 'BILLING', organizationId: 1 }), 'NOT_FOUND');
  assert.equal(code(user(['READ_ONLY']), 'READ', app()), 'ALLOWED');
  assert.equal(code(user(['READ_ONLY']), 'EXECUTE', app()), 'PERMISSION_DENIED');
});

test('anyone may read and update themselves, not delete themselves', () => {
  const me: ResourceRef = { type: 'USER', organizationId: 1, id: 10, userId: 10 };
  assert.equal(code(user(['READ_ONLY']), 'UPDATE', me), 'ALLOWED');
  assert.equal(code(user(['READ_ONLY']), 'DELETE', me), 'PERMISSION_DENIED');
});

test('permission groups add grants, filtered', () => {
  const p: Principal = {
    kind: 'user',
    organizationId: 1,
    userId: 10,
    roles: ['READ_ONLY'],
    groupPermissions: [{ actions: ['EXECUTE'], resourceType: 'APPLICATION', filterCriterion: { type: 'SIMPLE', operator: 'Contains', propertyName: 'name', operand: 'WEB' } }],
  };
  assert.equal(code(p, 'EXECUTE', app(1, 5, 'my-web')), 'ALLOWED');
  assert.equal(code(p, 'EXECUTE', app(1, 6, 'db')), 'PERMISSION_DENIED');
});

test('ephemeral tokens: only their scoped permissions; objects outside the filter look missing; expired is UNAUTHENTICATED', () => {
  const token: Principal = {
    kind: 'token',
    organizationId: 1,
    tokenId: 3,
    expiresAt: now + 1000,
    permissions: [
      {
        actions: ['READ', 'EXECUTE'],
        resourceType: 'APPLICATION',
        filterCriterion: { type: 'COMPLEX', operator: 'Or', criteria: [{ type: 'SIMPLE', operator: 'Equals', propertyName: 'id', operand: 5 }] },
      },
    ],
  };
  assert.equal(code(token, 'EXECUTE', app(1, 5)), 'ALLOWED');
  assert.equal(code(token, 'DELETE', app(1, 5)), 'PERMISSION_DENIED');
  assert.equal(code(token, 'READ', app(1, 6)), 'NOT_FOUND');
  assert.equal(code(token, 'READ', { type: 'BLUEPRINT', organizationId: 1, id: 1 }), 'NOT_FOUND');
  assert.equal(code({ ...token, expiresAt: now }, 'READ', app(1, 5)), 'UNAUTHENTICATED');
});

test('operators and the system are allowed everywhere', () => {
  assert.equal(code({ kind: 'operator', name: 'ops' }, 'DELETE', app(7)), 'ALLOWED');
  assert.equal(code({ kind: 'system' }, 'EXECUTE', app(7)), 'ALLOWED');
});
