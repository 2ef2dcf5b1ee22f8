import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Placement } from '../../../domain/placement/placement-types.ts';
import { forgetPlacement, PLACEMENT_MEMO_MS, PLACEMENT_MEMOS_KEPT, rememberedPlacement, rememberPlacement, type PlacementMemos } from './region-placements.ts';

const placement = (hostId: string): Placement => ({ region: 'r1', assignments: [{ vmKey: '1', hostId }], newHosts: [] });

test('placement memos: answered within the window, forgotten on demand, the oldest dropped beyond the count', () => {
  let m: PlacementMemos | undefined = rememberPlacement(undefined, 'a', placement('h1'), 1000);
  assert.deepEqual(rememberedPlacement(m, 'a', 1000 + PLACEMENT_MEMO_MS - 1), placement('h1'));
  assert.equal(rememberedPlacement(m, 'a', 1000 + PLACEMENT_MEMO_MS), undefined, 'older than the window');
  assert.equal(rememberedPlacement(forgetPlacement(m, 'a'), 'a', 1000), undefined);
  assert.equal(forgetPlacement(m, 'b'), m, 'forgetting a key not held changes nothing');
  assert.equal(rememberedPlacement(rememberPlacement(m, 'a', null, 1000), 'a', 1000), null, 'withdrawn: null, not undefined');
  for (let i = 0; i < PLACEMENT_MEMOS_KEPT; i++) m = rememberPlacement(m, `k${i}`, placement('h2'), 2000);
  assert.equal(Object.keys(m ?? {}).length, PLACEMENT_MEMOS_KEPT);
  assert.equal(rememberedPlacement(m, 'a', 2000), undefined, 'the oldest went first');
  assert.deepEqual(rememberedPlacement(m, 'k0', 2000), placement('h2'));
});
