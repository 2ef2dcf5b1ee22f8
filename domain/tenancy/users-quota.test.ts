import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { checkQuota, noUsage, usageOf } from './quota.ts';
import { deleteUser, inviteUser, parseLoginName, publicUser, setPasswordHash, setUserEnabled, setUserRoles, userForLogin, type UserDirectory } from './users.ts';
import { sampleVm } from '../test-fixtures.ts';

function org(): UserDirectory {
  let d: UserDirectory = { users: [] };
  d = inviteUser(d, 1, { email: 'admin@x', roles: ['ORGANIZATION_ADMIN'] }, 0).directory;
  d = setPasswordHash(d, 1, 'h1');
  d = inviteUser(d, 2, { email: 'bob@x' }, 0).directory;
  return d;
}

test('invite: new users are enabled, not activated, role USER; a taken e-mail is ALREADY_EXISTS', () => {
  const d = org();
  assert.deepEqual(publicUser(d.users[1]!), { id: 2, email: 'bob@x', roles: ['USER'], enabled: true, activated: false, creationTime: 0 });
  assert.throws(() => inviteUser(d, 3, { email: 'BOB@x' }, 0), (e: unknown) => isRavelError(e, 'ALREADY_EXISTS'));
  assert.equal('passwordHash' in publicUser(d.users[0]!), false);
});

test('the last enabled admin cannot be disabled, demoted or deleted', () => {
  const d = org();
  assert.throws(() => setUserEnabled(d, 1, false), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
  assert.throws(() => setUserRoles(d, 1, ['USER']), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
  assert.throws(() => deleteUser(d, 1), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
  assert.equal(setUserEnabled(d, 2, false).users[1]?.enabled, false);
  assert.throws(() => setUserEnabled(d, 9, false), (e: unknown) => isRavelError(e, 'NOT_FOUND'));
});

test('login names: domain/username for organizations with an identity domain, bare otherwise', () => {
  const d = setPasswordHash(org(), 2, 'h2');
  assert.deepEqual(parseLoginName('acme/bob@x'), { domain: 'acme', username: 'bob@x' });
  assert.throws(() => parseLoginName('a/b/c'), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
  assert.equal(userForLogin(d, 'acme', 'ACME/bob@x')?.id, 2);
  assert.equal(userForLogin(d, 'acme', 'bob@x'), undefined);
  assert.equal(userForLogin(d, 'acme', 'other/bob@x'), undefined);
  assert.equal(userForLogin(d, undefined, 'bob@x')?.id, 2);
  assert.equal(userForLogin(setUserEnabled(d, 2, false), undefined, 'bob@x'), undefined, 'disabled users cannot log in');
  assert.equal(userForLogin(org(), undefined, 'bob@x'), undefined, 'invited users without a password cannot log in');
});

test('quota: usage of VMs, and QUOTA_EXCEEDED naming the limit passed', () => {
  const u = usageOf([sampleVm(1), sampleVm(2)]);
  assert.deepEqual(u, { runningVms: 2, cpus: 4, memoryMb: 8192, diskMb: 40960 });
  checkQuota({ maxRunningVms: 2, maxCpus: 4 }, noUsage, u);
  assert.throws(
    () => checkQuota({ maxCpus: 5 }, usageOf([sampleVm(3)]), u),
    (e: unknown) => isRavelError(e, 'QUOTA_EXCEEDED') && e.details?.['limit'] === 'maxCpus',
  );
  assert.throws(() => checkQuota({ maxDiskMb: 1000 }, noUsage, u), (e: unknown) => isRavelError(e, 'QUOTA_EXCEEDED') && e.httpStatus === 429);
});
