/** Keyed region addresses: a key holds its address until released; only its holder frees it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipToInt } from './ipv4.ts';
import { regionAddresses, releaseAddress, takeAddress, withKeys } from './region-addresses.ts';

test('a keyed take answers the address its key holds; after a release the key gets a fresh one', () => {
  const r0 = regionAddresses('r', '203.0.113.0/29');
  const a = takeAddress(r0, 'k');
  assert.deepEqual(takeAddress(a.addresses, 'k'), a, 'a retried take: same address, nothing else taken');
  const released = releaseAddress(a.addresses, a.ip, 'k');
  assert.deepEqual(released.pool.used, []);
  assert.deepEqual(released.keys, {});
  // The address given back goes to someone else; the key taking again must not get it.
  const other = takeAddress(released);
  assert.equal(other.ip, a.ip);
  const again = takeAddress(other.addresses, 'k');
  assert.notEqual(again.ip, a.ip);
  assert.equal(again.addresses.pool.used.length, 2);
});

test('a keyed address is freed only by its key, an unkeyed one only by an unkeyed release', () => {
  const r0 = regionAddresses('r', '203.0.113.0/29');
  const a = takeAddress(r0, 'k');
  assert.equal(releaseAddress(a.addresses, a.ip), a.addresses, 'an unkeyed release (a repeated elastic IP release) changes nothing');
  assert.equal(releaseAddress(a.addresses, a.ip, 'other'), a.addresses, "another key's release changes nothing");
  const u = takeAddress(a.addresses);
  assert.equal(releaseAddress(u.addresses, u.ip, 'k'), u.addresses, 'a keyed release (repeated after its address became an elastic IP) changes nothing');
  const freed = releaseAddress(u.addresses, u.ip);
  assert.deepEqual(freed.pool.used, a.addresses.pool.used, 'an unkeyed release frees an unkeyed address');
  assert.deepEqual(releaseAddress(freed, u.ip), freed, 'releasing a free address is a no-op');
});

test('addresses taken before keys existed are freed by any release', () => {
  const legacy = { region: 'r', pool: takeAddress(takeAddress(regionAddresses('r', '203.0.113.0/29')).addresses).addresses.pool };
  const r = withKeys(legacy);
  assert.deepEqual(r.unkeyedBefore, legacy.pool.used);
  const one = releaseAddress(r, '203.0.113.1', 'k');
  assert.deepEqual(one.pool.used, [ipToInt('203.0.113.2')]);
  assert.deepEqual(releaseAddress(one, '203.0.113.2').pool.used, []);
  const t = takeAddress(one);
  assert.equal(t.ip, '203.0.113.3');
  assert.equal(releaseAddress(t.addresses, t.ip, 'k'), t.addresses, 'an address taken since is not legacy');
});
