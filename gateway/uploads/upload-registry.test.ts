/**
 * The registry's memory of finished uploads is bounded: past `maxFinished` the oldest finished
 * status is forgotten (NOT_FOUND) before its expiry, while uploads still receiving are kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { UploadRegistry, type UploadImporter } from './upload-registry.ts';

test('finished uploads past maxFinished are forgotten oldest first; one still receiving is kept', async () => {
  // Reads its source to the end, then answers one made-up disk image id.
  const importer: UploadImporter = async (_tenant, source, name) => {
    for await (const chunk of source) void chunk;
    return [`disk-${name}`];
  };
  const reg = new UploadRegistry({ clock: new ManualClock(0), log: silentLogger, importer, maxSize: 1 << 20, expiryMs: 3600_000, highWater: 1 << 16, maxChecksummedBytes: 1 << 16, maxFinished: 2 });
  const receiving = reg.create('t', 10, 'open', undefined);
  const done = ['a', 'b', 'c'].map((n) => reg.create('t', 0, n, undefined));
  for (const up of done) await up.imported;
  assert.throws(() => reg.get('t', (done[0] as { id: string }).id), (e: unknown) => (e as { code?: string }).code === 'NOT_FOUND', 'the oldest finished status is forgotten');
  assert.deepEqual(done.slice(1).map((up) => reg.get('t', up.id).status()['diskImageIds']), [['disk-b'], ['disk-c']]);
  assert.equal(reg.get('t', receiving.id).state, 'RECEIVING', 'an upload still receiving is not counted');
  await reg.close();
});
