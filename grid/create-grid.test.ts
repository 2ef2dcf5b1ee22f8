import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { isRavelError } from '../core/errors.ts';
import { defaults } from '../config/schema.ts';
import { freePort } from '../test/harness/ports.ts';
import { createGrid } from './create-grid.ts';
import { EmbeddedGrid } from './embedded/embedded-grid.ts';

test('embedded mode gives an in-process grid on the clock passed in', async () => {
  const clock = new ManualClock();
  const grid = await createGrid({ ...defaults, mode: 'embedded' }, clock);
  assert.ok(grid instanceof EmbeddedGrid);
  const m = grid.map<string>('leases');
  await m.set('k', 'v', { ttlMs: 50 });
  await clock.advance(50);
  assert.equal(await m.get('k'), undefined);
  await grid.close();
});

test('cluster mode connects to the configured members, and answers UNAVAILABLE when none is up', async () => {
  const config = {
    ...defaults,
    mode: 'cluster' as const,
    hazelcast: { members: [`127.0.0.1:${await freePort()}`], clusterName: 'ravel-nobody' },
  };
  const started = Date.now();
  await assert.rejects(createGrid(config, new ManualClock(), { connectTimeoutMs: 500 }), (e) =>
    isRavelError(e, 'UNAVAILABLE'),
  );
  assert.ok(Date.now() - started < 5000);
});
