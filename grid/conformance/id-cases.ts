/** Conformance: id ranges are unique across callers and clients, start at 1, and stay exact. */
import assert from 'node:assert/strict';
import type { IdRange } from '../grid.ts';
import type { GridSetup } from './fixture.ts';
import { gridTest, rejectsWith, uniqueName } from './helpers.ts';

/** Fails if two ranges overlap; answers how many ids they cover. */
export function assertDisjoint(ranges: IdRange[]): number {
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  let end = 0;
  let total = 0;
  for (const r of sorted) {
    assert.ok(Number.isSafeInteger(r.first) && r.first >= 1, `range starts at ${r.first}`);
    assert.ok(r.first > end, `range ${r.first}+${r.count} overlaps one ending at ${end}`);
    end = r.first + r.count - 1;
    assert.ok(end < 2 ** 53);
    total += r.count;
  }
  return total;
}

export function idCases(setup: GridSetup): void {
  gridTest('ids start at 1 and ranges follow one another', setup, async ({ grid }) => {
    const seq = uniqueName('s');
    assert.deepEqual(await grid.allocateIds(seq, 1), { first: 1, count: 1 });
    assert.deepEqual(await grid.allocateIds(seq, 10), { first: 2, count: 10 });
    assert.deepEqual(await grid.allocateIds(`${seq}-other`, 5), { first: 1, count: 5 });
    assert.deepEqual(await grid.allocateIds(seq, 1_000_000), { first: 12, count: 1_000_000 });
  });

  gridTest('concurrent callers on two clients never get the same id', setup, async (fx) => {
    const seq = uniqueName('s');
    const grids = [fx.grid, await fx.peer()];
    const ranges = await Promise.all(
      Array.from({ length: 40 }, (_, i) => grids[i % 2]!.allocateIds(seq, 1 + ((i * 7) % 13))),
    );
    const total = assertDisjoint(ranges);
    assert.equal(total, ranges.reduce((s, r) => s + r.count, 0));
    assert.equal(Math.max(...ranges.map((r) => r.first + r.count - 1)), total);
  });

  gridTest('bad counts and sequence names are refused', setup, async ({ grid }) => {
    const seq = uniqueName('s');
    for (const count of [0, -1, 1.5, Number.NaN, 1_000_001, Infinity]) {
      await rejectsWith(grid.allocateIds(seq, count), 'INVALID_ARGUMENT');
    }
    await rejectsWith(grid.allocateIds('bad name', 1), 'INVALID_ARGUMENT');
    assert.deepEqual(await grid.allocateIds(seq, 1), { first: 1, count: 1 });
  });

  gridTest('ping answers on an open grid', setup, async ({ grid }) => {
    await grid.ping();
  });
}
