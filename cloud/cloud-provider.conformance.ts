/**
 * The one CloudProvider conformance suite: `cloudProviderConformance('local (fleet)', setup)`.
 * The fixture's regions must include `small` (2 hosts at most) and `big`; `heartbeating(id)`
 * answers whether the host's agent has been heard from since it was rented. Hosts the suite names
 * itself are `<region>-<n>` (the names a fixture with per-host credentials issues).
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { isRavelError } from '../core/errors.ts';
import type { CloudProvider, RegionInfo } from './cloud-provider.ts';
import { hostPrice } from './regions.ts';

export interface CloudFixture {
  readonly cloud: CloudProvider;
  /** Whether a heartbeat of the host has been seen on the bus. */
  heartbeating(hostId: string): boolean;
  teardown(): Promise<void>;
}

export type CloudFixtureFactory = (t: TestContext) => Promise<CloudFixture | undefined>;

export const conformanceRegions: readonly RegionInfo[] = [
  {
    name: 'small',
    pricePerCpuHour: 0.05,
    pricePerGbHour: 0.01,
    hostSize: { cpus: 4, memoryMb: 8192 },
    maxHosts: 2,
  },
  {
    name: 'big',
    pricePerCpuHour: 0.02,
    pricePerGbHour: 0.005,
    hostSize: { cpus: 64, memoryMb: 262144 },
    maxHosts: 10,
  },
];

export function cloudProviderConformance(name: string, setup: CloudFixtureFactory): void {
  describe(`CloudProvider conformance: ${name}`, () => {
    const withCloud = (title: string, body: (f: CloudFixture) => Promise<void>): void => {
      test(title, async (t) => {
        const f = await setup(t);
        if (f === undefined) return;
        try {
          await body(f);
        } finally {
          await f.teardown();
        }
      });
    };

    withCloud('regions come from the configuration', async (f) => {
      assert.deepEqual(
        f.cloud.regions().map((r) => r.name),
        ['small', 'big'],
      );
    });

    withCloud(
      "a rented host is in its region at the region's prices, its agent heartbeats, and release gives it back",
      async (f) => {
        const h = await f.cloud.rent({ region: 'small', requestId: 'r1' });
        assert.equal(h.region, 'small');
        assert.deepEqual(h.size, { cpus: 4, memoryMb: 8192 });
        assert.equal(h.pricePerHour, hostPrice(conformanceRegions[0] as RegionInfo));
        assert.ok(Math.abs(h.pricePerHour - (4 * 0.05 + 8 * 0.01)) < 1e-9);
        assert.ok(f.heartbeating(h.id));
        assert.deepEqual(
          f.cloud.list().map((x) => x.id),
          [h.id],
        );
        assert.deepEqual(f.cloud.list('big'), []);
        await f.cloud.release(h.id);
        assert.deepEqual(f.cloud.list(), []);
        await f.cloud.release(h.id);
      },
    );

    withCloud('renting again with the same request id answers the same host', async (f) => {
      const [a, b] = await Promise.all([
        f.cloud.rent({ region: 'big', requestId: 'same' }),
        f.cloud.rent({ region: 'big', requestId: 'same' }),
      ]);
      assert.equal(a.id, b.id);
      assert.equal((await f.cloud.rent({ region: 'big', requestId: 'same' })).id, a.id);
      assert.equal(f.cloud.list().length, 1);
    });

    withCloud('a host named by the caller: renting the name again answers that host, a bad name is INVALID_ARGUMENT', async (f) => {
      const h = await f.cloud.rent({ region: 'small', requestId: 'small-2', name: 'small-2' });
      assert.equal(h.id, 'small-2');
      assert.equal((await f.cloud.rent({ region: 'small', requestId: 'small-2', name: 'small-2' })).id, 'small-2');
      await assert.rejects(f.cloud.rent({ region: 'small', requestId: 'x', name: 'no spaces' }), (e: unknown) =>
        isRavelError(e, 'INVALID_ARGUMENT'),
      );
      assert.deepEqual(
        f.cloud.list().map((x) => x.id),
        ['small-2'],
      );
    });

    withCloud(
      'a region rents no more than its hosts; an unknown region is NOT_FOUND',
      async (f) => {
        await f.cloud.rent({ region: 'small', requestId: 'a' });
        await f.cloud.rent({ region: 'small', requestId: 'b' });
        await assert.rejects(f.cloud.rent({ region: 'small', requestId: 'c' }), (e: unknown) =>
          isRavelError(e, 'QUOTA_EXCEEDED'),
        );
        await assert.rejects(f.cloud.rent({ region: 'mars', requestId: 'd' }), (e: unknown) =>
          isRavelError(e, 'NOT_FOUND'),
        );
        assert.equal(f.cloud.list().length, 2);
      },
    );
  });
}
