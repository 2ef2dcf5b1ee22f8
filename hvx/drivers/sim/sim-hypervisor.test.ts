import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../../core/clock.ts';
import { isRavelError } from '../../../core/errors.ts';
import type { VmStateChange } from '../../hypervisor.ts';
import { hypervisorConformance, preparedOf, specOf } from '../../hypervisor.conformance.ts';
import { SimHypervisor } from './sim-hypervisor.ts';
import { SimScheduler } from './sim-scheduler.ts';
import type { SimTiming } from './sim-options.ts';

const capacity = { cpus: 8, memoryMb: 32768 };

function simHost(timing: Partial<SimTiming> = {}, clock = new ManualClock()) {
  const scheduler = new SimScheduler(clock);
  const hv = new SimHypervisor(scheduler, { capacity, timing: { bootMs: 3000, shutdownMs: 1000, jitterMs: 200, seed: 7, ...timing } });
  const changes: VmStateChange[] = [];
  hv.onStateChange((c) => changes.push(c));
  return { clock, scheduler, hv, changes };
}

hypervisorConformance('sim', async () => {
  const { clock, hv } = simHost();
  return { hv, capacity, maxTransitionMs: 3200, advance: (ms) => clock.advance(ms), teardown: () => hv.close() };
});

test('boot and shutdown take the configured times within the jitter, and the same seed gives the same times', async () => {
  const run = async (seed: number): Promise<number[]> => {
    const { clock, hv, changes } = simHost({ seed });
    const t0 = clock.now();
    for (let i = 0; i < 8; i++) {
      await hv.define(specOf(`vm${i}`, 1, 512));
      await hv.start(`vm${i}`, preparedOf(specOf(`vm${i}`)));
    }
    await clock.advance(3200);
    return changes.filter((c) => c.state === 'running').map((c) => c.at - t0);
  };
  const a = await run(11);
  assert.equal(a.length, 8);
  for (const ms of a) assert.ok(ms >= 2800 && ms <= 3200, `boot took ${ms} ms`);
  assert.ok(new Set(a).size > 1, 'jitter spreads the boots');
  assert.deepEqual(await run(11), a);
  assert.notDeepEqual(await run(12), a);

  const { clock, hv, changes } = simHost({ jitterMs: 0 });
  await hv.define(specOf('a'));
  await hv.start('a', []);
  await clock.advance(2999);
  assert.equal(hv.get('a')?.state, 'starting');
  await clock.advance(1);
  assert.equal(hv.get('a')?.state, 'running');
  await hv.shutdown('a');
  await clock.advance(999);
  assert.equal(hv.get('a')?.state, 'stopping');
  await clock.advance(1);
  assert.deepEqual(changes.map((c) => c.state), ['starting', 'running', 'stopping', 'stopped']);
});

test('an injected boot failure ends in failed once, and the next start boots', async () => {
  const { clock, hv, changes } = simHost({ jitterMs: 0 });
  await hv.define(specOf('a'));
  hv.inject('a', 'fail-boot');
  await hv.start('a', []);
  await clock.advance(3000);
  assert.deepEqual(changes.at(-1), { vmId: 'a', state: 'failed', at: clock.now(), reason: 'boot failed' });
  await hv.start('a', []);
  await clock.advance(3000);
  assert.equal(hv.get('a')?.state, 'running');
});

test('a boot failure rate of 1 fails every boot; of 0 none', async () => {
  const all = simHost({ bootFailureRate: 1 });
  const none = simHost({ bootFailureRate: 0 });
  for (const h of [all, none]) {
    for (let i = 0; i < 5; i++) {
      await h.hv.define(specOf(`v${i}`, 1, 256));
      await h.hv.start(`v${i}`, []);
    }
    await h.clock.advance(4000);
  }
  assert.ok(all.hv.list().every((v) => v.state === 'failed'));
  assert.ok(none.hv.list().every((v) => v.state === 'running'));
});

test('a crashed running VM is failed with reason crashed; crashing a stopped one is ILLEGAL_STATE', async () => {
  const { clock, hv, changes } = simHost();
  await hv.define(specOf('a'));
  await hv.start('a', []);
  await clock.advance(4000);
  hv.crash('a');
  assert.equal(changes.at(-1)?.reason, 'crashed');
  assert.equal(hv.get('a')?.state, 'failed');
  await hv.powerOff('a');
  assert.throws(() => hv.crash('a'), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
});

test('a hung VM never finishes booting or shutting down, until it is powered off', async () => {
  const { clock, hv } = simHost();
  await hv.define(specOf('a'));
  hv.inject('a', 'hang');
  await hv.start('a', []);
  await clock.advance(60_000);
  assert.equal(hv.get('a')?.state, 'starting');
  await hv.powerOff('a');
  await hv.start('a', []);
  await clock.advance(4000);
  assert.equal(hv.get('a')?.state, 'running');
  hv.inject('a', 'hang');
  await hv.shutdown('a');
  await clock.advance(60_000);
  assert.equal(hv.get('a')?.state, 'stopping');
  await hv.powerOff('a');
  assert.equal(hv.get('a')?.state, 'stopped');
});

test('guest writes show in every snapshot on top of the start version', async () => {
  const { clock, hv } = simHost();
  await hv.define(specOf('a'));
  await hv.start('a', [{ diskId: 'd0', version: 'v2', blockSize: 65536, blocks: 1 }]);
  await clock.advance(4000);
  hv.write('a', 'd0', 5, new Uint8Array(65536).fill(1));
  hv.write('a', 'd0', 2, null);
  const one = await hv.snapshot('a');
  assert.deepEqual(one[0]?.blocks.map((b) => b.index), [2, 5]);
  hv.write('a', 'd0', 9, new Uint8Array(65536));
  const two = await hv.snapshot('a');
  assert.deepEqual(two[0]?.blocks.map((b) => b.index), [2, 5, 9]);
  assert.equal(two[0]?.baseVersion, 'v2');
});

test('guest writes outlive a reboot and a stop and start from the same version; a start from another version starts clean', async () => {
  const { clock, hv } = simHost({ jitterMs: 0 });
  const v2 = [{ diskId: 'd0', version: 'v2', blockSize: 65536, blocks: 1 }];
  await hv.define(specOf('a'));
  await hv.start('a', v2);
  await clock.advance(4000);
  hv.write('a', 'd0', 5, new Uint8Array(65536).fill(1));
  await hv.restart('a', v2);
  await clock.advance(5000);
  assert.deepEqual((await hv.snapshot('a'))[0]?.blocks.map((b) => b.index), [5], 'after a reboot');
  await hv.shutdown('a');
  await clock.advance(2000);
  await hv.start('a', v2);
  await clock.advance(4000);
  assert.deepEqual((await hv.snapshot('a'))[0]?.blocks.map((b) => b.index), [5], 'after a stop and start');
  await hv.shutdown('a');
  await clock.advance(2000);
  await hv.start('a', [{ ...v2[0] as (typeof v2)[number], version: 'v3' }]);
  await clock.advance(4000);
  const fresh = (await hv.snapshot('a'))[0];
  assert.deepEqual([fresh?.baseVersion, fresh?.blocks.length], ['v3', 0], 'started from v3, which holds what was written');
});

test('thousands of hosts share one clock timer, and idle VMs hold no event', async () => {
  const clock = new ManualClock();
  const scheduler = new SimScheduler(clock);
  const hosts = Array.from({ length: 2000 }, (_, i) => new SimHypervisor(scheduler, { capacity, timing: { bootMs: 3000, shutdownMs: 1000, jitterMs: 500, seed: i } }));
  for (const hv of hosts) {
    for (let v = 0; v < 4; v++) {
      await hv.define(specOf(`v${v}`, 1, 1024));
      await hv.start(`v${v}`, []);
    }
  }
  assert.equal(clock.pendingTimers(), 1);
  assert.equal(scheduler.size, 8000);
  await clock.advance(3600);
  assert.ok(hosts.every((hv) => hv.list().every((v) => v.state === 'running')));
  assert.equal(scheduler.size, 0);
  assert.equal(clock.pendingTimers(), 0);
});
