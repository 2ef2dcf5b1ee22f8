import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { hashSecret, isSessionLive, newSecret, newSession, secretMatches } from './secrets.ts';

// Cheap parameters keep the test fast; the format and the comparison are the same.
const cheap = { N: 1024, r: 8, p: 1 };

test('a hashed password verifies; a wrong one does not; two hashes of one password differ (salt)', async () => {
  const h = await hashPassword('correct horse', cheap);
  assert.match(h, /^scrypt\$1024\$8\$1\$/);
  assert.equal(await verifyPassword('correct horse', h), true);
  assert.equal(await verifyPassword('correct hors', h), false);
  assert.notEqual(await hashPassword('correct horse', cheap), h);
});

test('the default parameters hash and verify', async () => {
  const h = await hashPassword('a long enough password');
  assert.match(h, /^scrypt\$131072\$8\$1\$/);
  assert.equal(await verifyPassword('a long enough password', h), true);
});

test('malformed or tampered hashes never verify, and never throw', async () => {
  const h = await hashPassword('correct horse', cheap);
  for (const bad of ['', 'scrypt$x', h.replace('scrypt', 'bcrypt'), h.slice(0, -4), h.replace('$1024$', '$99999999$')]) {
    assert.equal(await verifyPassword('correct horse', bad), false, bad);
  }
});

test('too short a password is refused with INVALID_ARGUMENT', async () => {
  await assert.rejects(hashPassword('short', cheap), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
});

test('secrets are random, stored hashed, and match only themselves', () => {
  const a = newSecret();
  const b = newSecret();
  assert.notEqual(a.secret, b.secret);
  assert.notEqual(a.hash, a.secret);
  assert.equal(a.hash, hashSecret(a.secret));
  assert.ok(secretMatches(a.secret, a.hash));
  assert.ok(!secretMatches(b.secret, a.hash));
});

test('a session lives until its expiry', () => {
  const { session, secret } = newSession(1, 2, 1000, 500);
  assert.ok(secretMatches(secret, session.hash));
  assert.ok(isSessionLive(session, 1499));
  assert.ok(!isSessionLive(session, 1500));
});
