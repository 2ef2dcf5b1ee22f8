/**
 * The one Hypervisor conformance suite: `hypervisorConformance('sim', setup)`, where `setup`
 * makes a fresh driver per case. Every driver runs all of it; none is skipped.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { isRavelError, type ErrorCode } from '../core/errors.ts';
import type { Hypervisor, PreparedDisk, Resources, VmSpec, VmState } from './hypervisor.ts';

export interface HypervisorFixture {
  readonly hv: Hypervisor;
  /** What the host was made with. */
  readonly capacity: Resources;
  /** The longest one boot or one shutdown takes. */
  readonly maxTransitionMs: number;
  /** Lets time pass on the driver's clock (a ManualClock for the sim, real time otherwise). */
  advance(ms: number): Promise<void>;
  teardown(): Promise<void>;
}

export type HypervisorFixtureFactory = (t: TestContext) => Promise<HypervisorFixture>;

export const specOf = (id: string, cpus = 1, memoryMb = 1024): VmSpec => ({
  id,
  tenant: 'acme',
  cpus,
  memoryMb,
  disks: [{ id: 'd0', image: 'img1', version: 'v1' }],
  nics: [{ id: 'n0', mac: '52:54:00:00:00:01', network: 'net1' }],
});

export const preparedOf = (spec: VmSpec): PreparedDisk[] =>
  spec.disks.map((d) => ({ diskId: d.id, version: d.version, blockSize: 65536, blocks: 0 }));

async function refused(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => isRavelError(e, code));
}

export function hypervisorConformance(name: string, setup: HypervisorFixtureFactory): void {
  describe(`Hypervisor conformance: ${name}`, () => {
    const withFixture = (title: string, body: (f: HypervisorFixture, seen: VmState[]) => Promise<void>): void => {
      test(title, async (t) => {
        const f = await setup(t);
        const seen: VmState[] = [];
        f.hv.onStateChange((c) => seen.push(c.state));
        try {
          await body(f, seen);
        } finally {
          await f.teardown();
        }
      });
    };
    const passBoth = (f: HypervisorFixture): Promise<void> => f.advance(f.maxTransitionMs * 2 + 1);

    withFixture('define reserves CPUs and memory; a VM that does not fit is refused; undefine frees it', async (f) => {
      await f.hv.define(specOf('a', 1, 1024));
      assert.deepEqual(f.hv.capacity().used, { cpus: 1, memoryMb: 1024 });
      await refused(f.hv.define(specOf('big', f.capacity.cpus, 1024)), 'CONFLICT');
      assert.equal(f.hv.get('big'), undefined);
      await f.hv.undefine('a');
      assert.deepEqual(f.hv.capacity().used, { cpus: 0, memoryMb: 0 });
      await f.hv.undefine('a');
    });

    withFixture('start goes starting then running; starting again changes nothing', async (f, seen) => {
      const spec = specOf('a');
      await f.hv.define(spec);
      await f.hv.start('a', preparedOf(spec));
      assert.equal(f.hv.get('a')?.state, 'starting');
      await f.hv.start('a', preparedOf(spec));
      await f.advance(f.maxTransitionMs + 1);
      assert.equal(f.hv.get('a')?.state, 'running');
      await f.hv.start('a', preparedOf(spec));
      assert.deepEqual(seen, ['starting', 'running']);
    });

    withFixture('graceful shutdown goes stopping then stopped', async (f, seen) => {
      const spec = specOf('a');
      await f.hv.define(spec);
      await f.hv.start('a', preparedOf(spec));
      await f.advance(f.maxTransitionMs + 1);
      await f.hv.shutdown('a');
      assert.equal(f.hv.get('a')?.state, 'stopping');
      await f.advance(f.maxTransitionMs + 1);
      assert.deepEqual(seen, ['starting', 'running', 'stopping', 'stopped']);
    });

    withFixture('power-off stops a running or booting VM at once', async (f, seen) => {
      const spec = specOf('a');
      await f.hv.define(spec);
      await f.hv.start('a', preparedOf(spec));
      await f.hv.powerOff('a');
      assert.equal(f.hv.get('a')?.state, 'stopped');
      await passBoth(f);
      assert.deepEqual(seen, ['starting', 'stopped'], 'the cancelled boot never completes');
    });

    withFixture('restart of a running VM goes stopping, starting, running', async (f, seen) => {
      const spec = specOf('a');
      await f.hv.define(spec);
      await f.hv.start('a', preparedOf(spec));
      await f.advance(f.maxTransitionMs + 1);
      await f.hv.restart('a', preparedOf(spec));
      await passBoth(f);
      assert.deepEqual(seen, ['starting', 'running', 'stopping', 'starting', 'running']);
    });

    withFixture('an action the state does not allow is ILLEGAL_STATE and changes nothing', async (f) => {
      const spec = specOf('a');
      await f.hv.define(spec);
      await f.hv.start('a', preparedOf(spec));
      await refused(f.hv.shutdown('a'), 'ILLEGAL_STATE');
      await refused(f.hv.undefine('a'), 'ILLEGAL_STATE');
      await refused(f.hv.define({ ...spec, cpus: 2 }), 'ILLEGAL_STATE');
      assert.equal(f.hv.get('a')?.state, 'starting');
      assert.equal(f.hv.get('a')?.spec.cpus, 1);
      await f.hv.define(spec);
    });

    withFixture('an unknown VM is NOT_FOUND; a malformed spec is INVALID_ARGUMENT', async (f) => {
      await refused(f.hv.start('nope', []), 'NOT_FOUND');
      await refused(f.hv.snapshot('nope'), 'NOT_FOUND');
      await refused(f.hv.define({ ...specOf('a'), cpus: 0 }), 'INVALID_ARGUMENT');
      await refused(f.hv.define({ ...specOf('a'), id: 'a.b' }), 'INVALID_ARGUMENT');
      assert.equal(f.hv.list().length, 0);
    });

    withFixture('a snapshot names each disk on the version it started from', async (f) => {
      const spec = specOf('a');
      await f.hv.define(spec);
      await f.hv.start('a', [{ diskId: 'd0', version: 'v7', blockSize: 65536, blocks: 3 }]);
      await f.advance(f.maxTransitionMs + 1);
      const snap = await f.hv.snapshot('a');
      assert.equal(snap.length, 1);
      assert.equal(snap[0]?.diskId, 'd0');
      assert.equal(snap[0]?.image, 'img1');
      assert.equal(snap[0]?.baseVersion, 'v7');
      assert.equal(f.hv.get('a')?.state, 'running');
    });

    withFixture('after close every call is CLOSED', async (f) => {
      await f.hv.close();
      await refused(f.hv.define(specOf('a')), 'CLOSED');
      await refused(f.hv.start('a', []), 'CLOSED');
    });
  });
}
