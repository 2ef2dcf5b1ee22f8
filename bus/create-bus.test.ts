import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { isRavelError } from '../core/errors.ts';
import { compileConfig } from '../config/load.ts';
import { startNats } from '../test/harness/nats.ts';
import { missingNats, needs } from '../test/harness/requirements.ts';
import { createBus } from './create-bus.ts';
import { EmbeddedBus } from './embedded/embedded-bus.ts';
import { NatsBus } from './nats/nats-bus.ts';

it('creates an embedded bus on LMDB under dataDir/bus', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-create-bus-'));
  try {
    const bus = await createBus(compileConfig({ mode: 'embedded', dataDir: dir }, {}), new ManualClock());
    assert.ok(bus instanceof EmbeddedBus);
    await (await bus.kv('b')).put('k', new Uint8Array([1]));
    await bus.close();
    assert.ok(existsSync(join(dir, 'bus')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('creates a NATS bus in cluster mode, and fails with UNAVAILABLE when no server answers', async (t) => {
  if (!needs(t, missingNats())) return;
  const servers = await startNats();
  try {
    const bus = await createBus(compileConfig({ mode: 'cluster', nats: { servers: [...servers.urls] } }, {}), new ManualClock());
    assert.ok(bus instanceof NatsBus);
    await bus.close();
  } finally {
    await servers.stop();
  }
  await assert.rejects(
    createBus(compileConfig({ mode: 'cluster', nats: { servers: [...servers.urls] } }, {}), new ManualClock()),
    (e) => isRavelError(e, 'UNAVAILABLE'),
  );
});
