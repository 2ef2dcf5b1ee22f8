import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { billForMonth, billRuns, type VmStateChange } from './billing.ts';
import { calcPrice, MICROS } from './pricing.ts';
import { sampleVm } from '../test-fixtures.ts';
import type { Region } from '../placement/placement-types.ts';
import type { VmState } from '../schemas/vm.ts';

const region: Region = { name: 'r', pricePerCpuHour: 0.01, pricePerGbHour: 0.005, hostCapacity: { cpus: 16, memoryMb: 65536 } };
const H = 3_600_000;
const t0 = Date.UTC(2025, 0, 31, 22); // two hours before February
const ch = (time: number, state: VmState, vmKey = '100', microsPerHour = 1_000_000): VmStateChange => ({ applicationId: 1, vmKey, time, state, microsPerHour });

test('calcPrice: CPU and memory prices summed exactly in micro-units', () => {
  const q = calcPrice([sampleVm(1), sampleVm(2, { numCpus: 1, memorySize: { unit: 'MB', value: 512 } })], region);
  // vm1: 2 CPUs 0.02 + 4 GB 0.02 = 0.04; vm2: 0.01 + 0.0025
  assert.deepEqual(q.vms.map((v) => v.totalMicrosPerHour), [40_000, 12_500]);
  assert.equal(q.totalMicrosPerHour, 52_500);
  assert.equal(q.totalPerHour, 52_500 / MICROS);
});

test('a run is billed by the hour and split at the month boundary', () => {
  const lines = billRuns([ch(t0, 'STARTING'), ch(t0 + 60_000, 'STARTED'), ch(t0 + 3 * H, 'STOPPING'), ch(t0 + 3 * H + 60_000, 'STOPPED')], t0 + 10 * H);
  assert.deepEqual(lines.map((l) => [l.month, l.runMs, l.micros]), [
    ['2025-01', 2 * H, 2_000_000],
    ['2025-02', H + 60_000, Math.round(((H + 60_000) * 1_000_000) / H)],
  ]);
  assert.equal(billForMonth(lines, 2025, 2).length, 1);
});

test('a VM still running is billed up to `until`; events after it are ignored', () => {
  const lines = billRuns([ch(t0, 'STARTED'), ch(t0 + 5 * H, 'STOPPED')], t0 + H);
  assert.deepEqual(lines.map((l) => l.runMs), [H]);
});

test('property: repeating, shuffling and overlapping duplicates never change the bill', () => {
  const arbChanges = fc.array(
    fc.record({ dt: fc.integer({ min: 0, max: 50 * H }), state: fc.constantFrom<VmState>('STARTING', 'STARTED', 'STOPPING', 'STOPPED', 'ERROR'), vm: fc.constantFrom('1', '2') }),
    { maxLength: 30 },
  );
  fc.assert(
    fc.property(arbChanges, fc.array(fc.nat(), { maxLength: 30 }), (raw, dupPicks) => {
      const changes = raw.map((r) => ch(t0 + r.dt, r.state, r.vm));
      const until = t0 + 60 * H;
      const base = billRuns(changes, until);
      const dups = dupPicks.map((i) => changes[i % Math.max(1, changes.length)]).filter((c): c is VmStateChange => c !== undefined);
      const noisy = [...changes, ...dups].reverse();
      assert.deepEqual(billRuns(noisy, until), base);
      // Never more run time than the span it could cover.
      for (const vm of ['1', '2']) {
        const total = base.filter((l) => l.vmKey === vm).reduce((s, l) => s + l.runMs, 0);
        assert.ok(total <= 60 * H);
      }
    }),
  );
});
