/** The principal cache: trusted for its TTL, never past a token's expiry, bounded, cleared on demand, never refilled by a lookup older than a drop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../../domain/tenancy/principal.ts';
import { PrincipalCache } from './principal-cache.ts';

type Held = { readonly control: Principal };
const user: Held = { control: { kind: 'user', organizationId: 1, userId: 2, roles: ['USER'], groupPermissions: [] } };
const token = (expiresAt: number): Held => ({ control: { kind: 'token', organizationId: 1, tokenId: 3, permissions: [], expiresAt } });

test('an entry lives for the TTL; a token entry no longer than the token', () => {
  let now = 1000;
  const c = new PrincipalCache<Held>(() => now, 1000);
  c.set('s', user, c.generation);
  c.set('t', token(1300), c.generation);
  c.set('gone', token(900), c.generation);
  now = 1299;
  assert.equal(c.get('s'), user);
  assert.ok(c.get('t') !== undefined);
  assert.equal(c.get('gone'), undefined, 'an expired token is not cached at all');
  now = 1300;
  assert.equal(c.get('t'), undefined, 'not past the token’s expiry');
  assert.equal(c.get('s'), user);
  now = 2000;
  assert.equal(c.get('s'), undefined, 'not past the TTL');
  assert.equal(c.size, 0);
});

test('bounded: past maxEntries the oldest go; clear and delete forget', () => {
  const c = new PrincipalCache<Held>(() => 0, 1000, 3);
  for (const k of ['a', 'b', 'c', 'd']) c.set(k, user, c.generation);
  assert.equal(c.size, 3);
  assert.equal(c.get('a'), undefined);
  c.delete('b');
  assert.equal(c.get('b'), undefined);
  c.clear();
  assert.equal(c.get('d'), undefined);
  const off = new PrincipalCache<Held>(() => 0, 0);
  off.set('a', user, off.generation);
  assert.equal(off.get('a'), undefined, 'TTL 0: nothing is cached');
});

test('a lookup that began before a delete or clear does not put its answer back', () => {
  const c = new PrincipalCache<Held>(() => 0, 1000);
  const before = c.generation;
  c.delete('s'); // a logout while the lookup was out
  c.set('s', user, before);
  assert.equal(c.get('s'), undefined, 'the logged-out session is not cached again');
  const again = c.generation;
  c.clear(); // a permission change while the lookup was out
  c.set('s', user, again);
  assert.equal(c.get('s'), undefined);
  c.set('s', user, c.generation);
  assert.equal(c.get('s'), user, 'a lookup begun after the drop is cached');
});
