/**
 * MemoryImages, the sim fleets' image store: it keeps only its last records, so a fleet that runs
 * for hours (embedded mode, the cluster bench's soak) does not hold one per VM start and stop, and
 * its snapshot versions stay distinct past that.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEMORY_IMAGES_KEPT, MemoryImages } from './agent-images.ts';

test('MemoryImages keeps its last records only, and snapshot versions stay distinct past them', async () => {
  const images = new MemoryImages();
  const n = MEMORY_IMAGES_KEPT + 5;
  const versions = new Set<string>();
  for (let i = 0; i < n; i++) {
    await images.prepare('acme', { id: 'd1', image: 'img1', version: `v${i}` });
    versions.add(await images.writeSnapshot('acme', { diskId: 'd1', image: 'img1', baseVersion: 'v0', blockSize: 65536, blocks: [] }));
  }
  assert.equal(images.prepared.length, MEMORY_IMAGES_KEPT);
  assert.equal(images.snapshots.length, MEMORY_IMAGES_KEPT);
  assert.deepEqual(images.prepared.at(-1), { tenant: 'acme', version: `v${n - 1}` }, 'the newest is kept');
  assert.deepEqual(images.prepared[0], { tenant: 'acme', version: 'v5' }, 'the oldest went first');
  assert.equal(versions.size, n);
  assert.equal(images.snapshots.at(-1)?.version, `v0-s${n}`);
});
