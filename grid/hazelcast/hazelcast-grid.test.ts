/**
 * HazelcastGrid against real members: the conformance suite on a two-member cluster started
 * once for the file, then the faults (a member that is down, a member killed).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { startHazelcast, type HazelcastCluster } from '../../test/harness/hazelcast.ts';
import { freePort } from '../../test/harness/ports.ts';
import { missingHazelcast, needs } from '../../test/harness/requirements.ts';
import { gridConformance } from '../grid.conformance.ts';
import { assertDisjoint } from '../conformance/id-cases.ts';
import { uniqueName } from '../conformance/helpers.ts';
import type { Grid } from '../grid.ts';
import { HazelcastGrid, type HazelcastGridOptions } from './hazelcast-grid.ts';

let cluster: Promise<HazelcastCluster> | undefined;
function sharedCluster(): Promise<HazelcastCluster> {
  cluster ??= startHazelcast({ members: 2 });
  return cluster;
}
after(async () => {
  if (cluster !== undefined) await (await cluster).stop();
});

async function connect(options: Partial<HazelcastGridOptions> = {}): Promise<HazelcastGrid> {
  const hz = await sharedCluster();
  return HazelcastGrid.connect({ members: hz.addresses, clusterName: hz.clusterName, ...options });
}

gridConformance('HazelcastGrid', async (t) => {
  if (!needs(t, missingHazelcast())) return undefined;
  const grid = await connect();
  const peers: Grid[] = [];
  return {
    grid,
    peer: async () => {
      const p = await connect();
      peers.push(p);
      return p;
    },
    elapse: (ms) => new Promise((r) => setTimeout(r, ms)),
    ttlMs: 1000,
    expiryLatenessMs: 2500,
    eventWaitMs: 5000,
    close: async () => {
      await Promise.all([grid, ...peers].map((g) => g.close()));
    },
  };
});

describe('HazelcastGrid faults', () => {
  test('connecting where no member runs fails with UNAVAILABLE within the bound', async (t) => {
    if (!needs(t, missingHazelcast())) return;
    const started = Date.now();
    await assert.rejects(
      HazelcastGrid.connect({ members: [`127.0.0.1:${await freePort()}`], clusterName: 'nobody', connectTimeoutMs: 1000 }),
      (e) => isRavelError(e, 'UNAVAILABLE'),
    );
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  test('after SIGKILL of one of two members every entry is readable with its version, and ids never repeat', async (t) => {
    if (!needs(t, missingHazelcast())) return;
    const hz = await sharedCluster();
    const grid = await connect({ callTimeoutMs: 20_000 });
    try {
      const m = grid.map<{ i: number }>(uniqueName('backup'));
      const seq = uniqueName('s');
      const n = 2000;
      const inFlight = 64;
      for (let start = 0; start < n; start += inFlight) {
        await Promise.all(
          Array.from({ length: Math.min(inFlight, n - start) }, async (_, j) => {
            const i = start + j;
            await m.set(`k${i}`, { i });
            if (i % 3 === 0) await m.set(`k${i}`, { i: -i });
          }),
        );
      }
      const before = await Promise.all(Array.from({ length: 20 }, () => grid.allocateIds(seq, 1000)));

      await hz.kill(1);

      const read = await Promise.all(Array.from({ length: n }, (_, i) => m.getVersioned(`k${i}`)));
      const wrong = read.flatMap((v, i) => {
        const want = i % 3 === 0 ? { value: { i: -i }, version: 2 } : { value: { i }, version: 1 };
        return v !== undefined && v.version === want.version && v.value.i === want.value.i ? [] : [i];
      });
      assert.deepEqual(wrong, [], `${wrong.length} entries lost or changed`);
      assert.equal((await m.entriesWithPrefix('k')).length, n);

      const afterKill = await Promise.all(Array.from({ length: 20 }, () => grid.allocateIds(seq, 1000)));
      assert.equal(assertDisjoint([...before, ...afterKill]), 40_000);
    } finally {
      await grid.close();
    }
  });

  test('a grid that lost every member for longer than its connect timeout connects again when one is back, listeners included', async (t) => {
    if (!needs(t, missingHazelcast())) return;
    const hz = await startHazelcast({ members: 1 });
    const grid = await HazelcastGrid.connect({ members: hz.addresses, clusterName: hz.clusterName, connectTimeoutMs: 1000, callTimeoutMs: 1500 });
    try {
      const m = grid.map<number>(uniqueName('again'));
      const seen: string[] = [];
      await m.listen((c) => seen.push(`${c.type}:${c.key}`));
      await m.set('before', 1);
      const until = async (key: string): Promise<boolean> => {
        const waitStart = Date.now();
        while (!seen.includes(key) && Date.now() - waitStart < 10_000) await new Promise((r) => setTimeout(r, 50));
        return seen.includes(key);
      };
      // Events arrive after the write's answer: see this one before the member goes.
      assert.ok(await until('set:before'), `the listener did not see the first write: ${seen.join(',')}`);
      await hz.kill(0);
      await assert.rejects(m.set('during', 2), (e) => isRavelError(e, 'UNAVAILABLE'));
      // Well past the connect timeout: the first client has given up for good by now.
      await new Promise((r) => setTimeout(r, 3000));
      await assert.rejects(m.set('during', 2), (e) => isRavelError(e, 'UNAVAILABLE'));
      await hz.restart(0);
      const back = Date.now();
      for (;;) {
        try {
          await m.set('after', 3);
          break;
        } catch (e) {
          assert.ok(isRavelError(e, 'UNAVAILABLE'), String(e));
          assert.ok(Date.now() - back < 30_000, 'the grid did not connect again within 30 s');
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      t.diagnostic(`writable again ${Date.now() - back} ms after the member restarted`);
      assert.equal(await m.get('after'), 3);
      assert.ok(await until('set:after'), `the listener was not restored: ${seen.join(',')}`);
    } finally {
      await grid.close();
      await hz.stop();
    }
  });

  test('with the last member shut down, a call fails with UNAVAILABLE within its timeout', async (t) => {
    if (!needs(t, missingHazelcast())) return;
    const hz = await sharedCluster();
    const grid = await connect({ callTimeoutMs: 2000 });
    try {
      await hz.stopMember(0);
      const started = Date.now();
      await assert.rejects(grid.map<number>('m').set('k', 1), (e) => isRavelError(e, 'UNAVAILABLE'));
      assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
    } finally {
      await grid.close();
    }
  });
});
