import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preferredOwner, shardOf } from './shard-hash.ts';

test('shardOf is stable and spreads ids over all shards', () => {
  const counts = new Array<number>(64).fill(0);
  for (let i = 0; i < 64_000; i++) {
    const s = shardOf('counter', `c-${i}`, 64);
    assert.equal(s, shardOf('counter', `c-${i}`, 64));
    counts[s] = (counts[s] ?? 0) + 1;
  }
  for (const c of counts) assert.ok(c > 800 && c < 1200, `shard count ${c} is far from 1000`);
  assert.notEqual(shardOf('a', 'x', 1 << 16), shardOf('b', 'x', 1 << 16));
});

test('preferredOwner gives each node a fair share, whatever the order of the list', () => {
  const nodes = ['n1', 'n2', 'n3'];
  const share = new Map<string, number>();
  for (let s = 0; s < 3000; s++) {
    const owner = preferredOwner(s, nodes);
    assert.equal(owner, preferredOwner(s, [...nodes].reverse()));
    share.set(owner ?? '', (share.get(owner ?? '') ?? 0) + 1);
  }
  for (const n of nodes) {
    const c = share.get(n) ?? 0;
    assert.ok(c > 850 && c < 1150, `${n} got ${c} of 3000`);
  }
  assert.equal(preferredOwner(1, []), undefined);
});

test('a joining node takes shards only from others, about 1/n of them', () => {
  const before = ['n1', 'n2', 'n3'];
  const after = [...before, 'n4'];
  let moved = 0;
  for (let s = 0; s < 4000; s++) {
    const a = preferredOwner(s, before);
    const b = preferredOwner(s, after);
    if (a !== b) {
      moved++;
      assert.equal(b, 'n4', 'a shard moved between two old nodes');
    }
  }
  assert.ok(moved > 800 && moved < 1200, `moved ${moved} of 4000`);
});
