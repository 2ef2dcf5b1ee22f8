import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planPlacement, type PlacementInput } from './placement.ts';
import { preferredOwner } from './shard-hash.ts';
import type { ShardLease } from './shard-lease.ts';

const now = 1_000_000;
function input(over: Partial<PlacementInput>): PlacementInput {
  return { me: 'a', shards: 64, live: ['a'], leases: new Map(), owned: new Set(), now, freeSince: new Map(), orphanAfterMs: 2000, handoffs: 4, draining: false, ...over };
}
const held = (owner: string, expiresAt = now + 3000): ShardLease => ({ owner, epoch: 1, expiresAt });

test('a lone node takes every free shard', () => {
  assert.equal(planPlacement(input({})).acquire.length, 64);
});

test('a joining node takes only free shards it is preferred for; owners hand over a few a tick', () => {
  const live = ['a', 'b'];
  const leases = new Map<number, ShardLease>();
  for (let s = 0; s < 64; s++) leases.set(s, held('a'));
  const joiner = planPlacement(input({ me: 'b', live, leases }));
  assert.deepEqual(joiner.acquire, [], 'held leases are not taken');
  const owner = planPlacement(input({ me: 'a', live, leases, owned: new Set(leases.keys()) }));
  assert.equal(owner.handOff.length, 4, 'at most `handoffs` a tick');
  for (const s of owner.handOff) assert.equal(preferredOwner(s, live), 'b');
  leases.set(owner.handOff[0] ?? -1, { owner: '', epoch: 1, expiresAt: 0 });
  assert.deepEqual(planPlacement(input({ me: 'b', live, leases })).acquire, [owner.handOff[0]]);
});

test('an expired lease is taken by the preferred live node at once, by anyone once orphaned', () => {
  const live = ['a', 'b'];
  const shard = [...Array(64).keys()].find((s) => preferredOwner(s, live) === 'b') ?? -1;
  const leases = new Map([[shard, held('dead', now - 1)]]);
  for (let s = 0; s < 64; s++) if (s !== shard) leases.set(s, held('x'));
  assert.deepEqual(planPlacement(input({ me: 'b', live, leases })).acquire, [shard]);
  assert.deepEqual(planPlacement(input({ me: 'a', live, leases })).acquire, []);
  const orphaned = planPlacement(input({ me: 'a', live, leases, freeSince: new Map([[shard, now - 2000]]) }));
  assert.deepEqual(orphaned.acquire, [shard]);
});

test('a lease in this node\'s own name from a previous life is taken back; a draining node hands over everything', () => {
  const leases = new Map([[3, held('a')]]);
  for (let s = 0; s < 64; s++) if (s !== 3) leases.set(s, held('x'));
  assert.deepEqual(planPlacement(input({ leases })).acquire, [3]);
  const draining = planPlacement(input({ draining: true, owned: new Set([1, 2, 3]) }));
  assert.deepEqual(draining, { acquire: [], handOff: [1, 2, 3] });
});
