import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { appendEvent, eventNames, newStreamHead, type EventName, type EventRecord } from '../events.ts';
import type { Permission, Role } from '../schemas/organization.ts';
import type { SubjectRef } from '../schemas/event.ts';
import { eventAbout, eventVisibility, maySeeEvent, sees, subjectVisibility } from './event-visibility.ts';
import type { Principal } from './principal.ts';

const now = 1_000_000;
const ORG = 1;
let head = newStreamHead(ORG);
const rec = (name: EventName, subjects: SubjectRef[] = []): EventRecord => {
  const r = appendEvent(head, { name, principal: { kind: 'system' }, subjects }, now);
  head = r.head;
  return r.record;
};
const appA = (name: EventName = 'APPLICATION_UPDATED'): EventRecord => rec(name, [{ type: 'APPLICATION', id: '5' }]);
const appB = (name: EventName = 'APPLICATION_UPDATED'): EventRecord => rec(name, [{ type: 'APPLICATION', id: '6' }]);
const keyPair = rec('KEY_PAIR_CREATED', [{ type: 'KEY_PAIR', id: '40' }]);
const failedLogin = rec('USER_LOGIN_FAILED');
const orgUpdated = rec('ORGANIZATION_UPDATED', [{ type: 'ORGANIZATION', id: String(ORG) }]);
const tokenCreated = rec('EPHEMERAL_TOKEN_CREATED', [{ type: 'EPHEMERAL_TOKEN', id: '70' }]);
const userLogin = (userId: number): EventRecord => rec('USER_LOGIN', [{ type: 'USER', id: String(userId) }]);

const user = (roles: Role[], groupPermissions: Permission[] = [], userId = 10): Extract<Principal, { kind: 'user' }> => ({ kind: 'user', organizationId: ORG, userId, roles, groupPermissions });
const token = (permissions: Permission[], expiresAt = now + 1): Extract<Principal, { kind: 'token' }> => ({ kind: 'token', organizationId: ORG, tokenId: 3, permissions, expiresAt });
const EVENTS: Permission = { resourceType: 'EVENT', actions: ['READ'] };
const onlyApp = (id: number): Permission => ({ resourceType: 'APPLICATION', actions: ['READ'], filterCriterion: { type: 'SIMPLE', operator: 'Equals', propertyName: 'id', operand: id } });

test('an admin, a USER-role user and an operator see every record; a principal of another organization none', () => {
  assert.equal(eventVisibility(user(['ORGANIZATION_ADMIN']), ORG, now).kind, 'all');
  assert.equal(eventVisibility(user(['USER']), ORG, now).kind, 'all', 'a user reads every object records are about');
  assert.equal(eventVisibility({ kind: 'operator', name: 'ops' }, ORG, now).kind, 'all');
  assert.equal(eventVisibility({ ...user(['ORGANIZATION_ADMIN']), organizationId: 2 }, ORG, now).kind, 'none');
});

test('a token scoped to application 5 sees its records (VMs and hosts too), not another application’s nor the organization’s', () => {
  const p = token([EVENTS, onlyApp(5)]);
  const v = eventVisibility(p, ORG, now);
  assert.equal(v.kind, 'some');
  for (const name of ['APPLICATION_CREATED', 'VM_STATE_CHANGED', 'HOST_DOWN', 'APPLICATION_TASK_FIRED'] as const) {
    assert.equal(sees(v, appA(name)), true, `${name} of 5`);
    assert.equal(sees(v, appB(name)), false, `${name} of 6`);
  }
  for (const r of [keyPair, failedLogin, orgUpdated, tokenCreated, userLogin(10)]) assert.equal(sees(v, r), false, r.name);
  assert.equal(sees(v, rec('HOST_DOWN')), false, 'a host record naming no application needs every application');
  assert.equal(maySeeEvent(p, appA(), now), true);
});

test('without READ on EVENT nothing; an expired token nothing; billing’s half needs no EVENT grant', () => {
  assert.equal(eventVisibility(token([onlyApp(5)]), ORG, now).kind, 'none');
  assert.equal(eventVisibility(token([EVENTS, onlyApp(5)], now), ORG, now).kind, 'none');
  const billing = subjectVisibility(token([{ resourceType: 'BILLING', actions: ['READ'] }, onlyApp(5)]), ORG, now);
  assert.deepEqual([sees(billing, appA('VM_STATE_CHANGED')), sees(billing, appB('VM_STATE_CHANGED'))], [true, false]);
});

test('a read-only user does not see token records (it cannot read tokens); a filter on a name matches no record (fail closed)', () => {
  const ro = eventVisibility(user(['READ_ONLY']), ORG, now);
  assert.deepEqual([sees(ro, tokenCreated), sees(ro, appA()), sees(ro, keyPair), sees(ro, failedLogin)], [false, true, true, true]);
  const byName = token([EVENTS, { resourceType: 'APPLICATION', actions: ['READ'], filterCriterion: { type: 'SIMPLE', operator: 'Equals', propertyName: 'name', operand: 'web' } }]);
  assert.equal(sees(eventVisibility(byName, ORG, now), appA()), false);
});

test('a user reads its own user records though its grants do not cover users', () => {
  const p = user([], [EVENTS, onlyApp(5)], 10);
  const v = eventVisibility(p, ORG, now);
  assert.deepEqual([sees(v, userLogin(10)), sees(v, userLogin(11))], [true, false]);
});

test('the key: equal grants, equal key; other grants or another user, another key', () => {
  const key = (p: Principal): string => {
    const v = eventVisibility(p, ORG, now);
    return v.kind === 'some' ? v.key : v.kind;
  };
  assert.equal(key(token([EVENTS, onlyApp(5)])), key({ ...token([EVENTS, onlyApp(5)]), tokenId: 99 }));
  assert.notEqual(key(token([EVENTS, onlyApp(5)])), key(token([EVENTS, onlyApp(6)])));
  assert.notEqual(key(user([], [EVENTS, onlyApp(5)], 10)), key(user([], [EVENTS, onlyApp(5)], 11)));
});

test('every event name is placed, and an unknown name or another tenant’s record is never seen', () => {
  for (const name of eventNames) assert.ok(eventAbout({ name, subjects: [], tenantId: ORG }) !== undefined, name);
  assert.equal(eventAbout({ name: 'NOT_A_NAME' as EventName, subjects: [], tenantId: ORG }), undefined);
  const v = eventVisibility(token([EVENTS, onlyApp(5)]), ORG, now);
  assert.equal(sees(v, { ...appA(), name: 'NOT_A_NAME' as EventName }), false);
  assert.equal(sees(v, { ...appA(), tenantId: 2 }), false);
});

test('property: an admin sees every record; a token scoped to one application exactly that application’s own', () => {
  const all = eventVisibility(user(['ORGANIZATION_ADMIN']), ORG, now);
  fc.assert(
    fc.property(fc.constantFrom(...eventNames), fc.integer({ min: 1, max: 9 }), (name, id) => {
      const r = rec(name, [{ type: 'APPLICATION', id: String(id) }]);
      assert.equal(sees(all, r), true);
      assert.equal(sees(eventVisibility(token([EVENTS, onlyApp(id)]), ORG, now), r), eventAbout(r)?.type === 'APPLICATION' && eventAbout(r)?.kind === 'object');
    }),
  );
});
