import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRavelError } from '../../core/errors.ts';
import { hourlyCost, placeApplication } from './placement.ts';
import { planRepair } from './repair.ts';
import { NEW_HOST_PREFIX, type HostView, type Placement, type PlacementRequest, type Region, type VmDemand } from './placement-types.ts';

const cheap: Region = { name: 'cheap', pricePerCpuHour: 0.01, pricePerGbHour: 0.005, hostCapacity: { cpus: 16, memoryMb: 65536 }, maxHosts: 2 };
const dear: Region = { name: 'dear', pricePerCpuHour: 0.05, pricePerGbHour: 0.02, hostCapacity: { cpus: 16, memoryMb: 65536 } };
const vm = (k: string, cpus: number, gb: number): VmDemand => ({ vmKey: k, cpus, memoryMb: gb * 1024 });
const host = (id: string, region: string, cpus: number, gb: number, accepting = true): HostView => ({ id, region, freeCpus: cpus, freeMemoryMb: gb * 1024, accepting });

/** Checks every VM placed once, and no host (existing or new) beyond what it had free. */
function assertSound(p: Placement, req: PlacementRequest, regions: readonly Region[], hosts: readonly HostView[]): void {
  assert.deepEqual(p.assignments.map((a) => a.vmKey).sort(), req.vms.map((v) => v.vmKey).sort());
  const region = regions.find((r) => r.name === p.region)!;
  const used = new Map<string, { cpus: number; mem: number }>();
  for (const a of p.assignments) {
    const v = req.vms.find((x) => x.vmKey === a.vmKey)!;
    const u = used.get(a.hostId) ?? { cpus: 0, mem: 0 };
    used.set(a.hostId, { cpus: u.cpus + v.cpus, mem: u.mem + v.memoryMb });
  }
  for (const [id, u] of used) {
    if (id.startsWith(NEW_HOST_PREFIX)) {
      assert.ok(p.newHosts.includes(id));
      assert.ok(u.cpus <= region.hostCapacity.cpus && u.mem <= region.hostCapacity.memoryMb, `new host ${id} over capacity`);
    } else {
      const h = hosts.find((x) => x.id === id)!;
      assert.ok(h.accepting && h.region === p.region && !(req.excludeHosts ?? []).includes(id));
      assert.ok(u.cpus <= h.freeCpus && u.mem <= h.freeMemoryMb, `host ${id} over capacity`);
    }
  }
  if (region.maxHosts !== undefined) {
    const existing = hosts.filter((h) => h.region === region.name).length;
    assert.ok(p.newHosts.length <= Math.max(0, region.maxHosts - existing), 'rented beyond the region limit');
  }
}

test('cost: the cheapest region with capacity, packing onto existing hosts first', () => {
  const hosts = [host('h1', 'cheap', 8, 32), host('h2', 'dear', 16, 64)];
  const req: PlacementRequest = { vms: [vm('a', 4, 8), vm('b', 2, 4)], optimization: 'COST_OPTIMIZED' };
  const p = placeApplication(req, [dear, cheap], hosts);
  assert.equal(p.region, 'cheap');
  assert.deepEqual(p.newHosts, []);
  assert.deepEqual(p.assignments.map((a) => a.hostId), ['h1', 'h1']);
  assert.ok(hourlyCost(req.vms, cheap) < hourlyCost(req.vms, dear));
});

test('cost: falls to a dearer region when the cheap one is full and may rent no more', () => {
  const hosts = [host('h1', 'cheap', 1, 1), host('h2', 'cheap', 1, 1)];
  const p = placeApplication({ vms: [vm('a', 4, 8)], optimization: 'COST_OPTIMIZED' }, [cheap, dear], hosts);
  assert.equal(p.region, 'dear');
  assert.deepEqual(p.newHosts, ['new:0']);
});

test('performance: the named region, one VM per host while hosts can be rented', () => {
  const hosts = [host('h1', 'dear', 16, 64)];
  const req: PlacementRequest = { vms: [vm('a', 1, 1), vm('b', 1, 1), vm('c', 1, 1)], optimization: 'PERFORMANCE_OPTIMIZED', region: 'dear' };
  const p = placeApplication(req, [cheap, dear], hosts);
  assert.equal(p.region, 'dear');
  assert.equal(new Set(p.assignments.map((a) => a.hostId)).size, 3);
  assertSound(p, req, [cheap, dear], hosts);
});

test('refusals: unknown region, performance without region, a VM bigger than any host', () => {
  assert.throws(() => placeApplication({ vms: [vm('a', 1, 1)], optimization: 'COST_OPTIMIZED', region: 'mars' }, [cheap], []), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
  assert.throws(() => placeApplication({ vms: [vm('a', 1, 1)], optimization: 'PERFORMANCE_OPTIMIZED' }, [cheap], []), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
  assert.throws(() => placeApplication({ vms: [vm('a', 64, 1)], optimization: 'COST_OPTIMIZED' }, [cheap, dear], []), (e: unknown) => isRavelError(e, 'UNAVAILABLE'));
});

test('repair moves a dead host’s VMs onto others, never back onto it', () => {
  const hosts = [host('dead', 'cheap', 16, 64, false), host('h2', 'cheap', 8, 16)];
  const p = planRepair({ deadHostId: 'dead', region: 'cheap', vms: [vm('a', 4, 8), vm('b', 4, 8)] }, [cheap], hosts);
  assert.deepEqual(p.assignments.map((a) => a.hostId), ['h2', 'h2']);
  assert.throws(() => planRepair({ deadHostId: 'dead', region: 'cheap', vms: [vm('a', 16, 64), vm('b', 16, 64)] }, [cheap], hosts), (e: unknown) => isRavelError(e, 'UNAVAILABLE'));
});

const arbRegion = fc.record({
  name: fc.constantFrom('r1', 'r2', 'r3'),
  pricePerCpuHour: fc.double({ min: 0.001, max: 1, noNaN: true }),
  pricePerGbHour: fc.double({ min: 0.001, max: 1, noNaN: true }),
  hostCapacity: fc.record({ cpus: fc.integer({ min: 1, max: 64 }), memoryMb: fc.integer({ min: 1024, max: 262144 }) }),
  maxHosts: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
});
const arbScenario = fc.record({
  regions: fc.uniqueArray(arbRegion, { minLength: 1, maxLength: 3, selector: (r) => r.name }),
  hosts: fc.array(
    fc.record({ region: fc.constantFrom('r1', 'r2', 'r3'), freeCpus: fc.integer({ min: 0, max: 64 }), freeMemoryMb: fc.integer({ min: 0, max: 262144 }), accepting: fc.boolean() }),
    { maxLength: 20 },
  ),
  vms: fc.array(fc.record({ cpus: fc.integer({ min: 1, max: 32 }), memoryMb: fc.integer({ min: 256, max: 131072 }) }), { minLength: 1, maxLength: 30 }),
  optimization: fc.constantFrom('COST_OPTIMIZED' as const, 'PERFORMANCE_OPTIMIZED' as const),
  regionPick: fc.nat(),
});

test('property: placement never exceeds any host’s capacity, places every VM once, or refuses cleanly', () => {
  fc.assert(
    fc.property(arbScenario, (s) => {
      const hosts = s.hosts.map((h, i) => ({ ...h, id: `h${i}` }));
      const regions: Region[] = s.regions.map(({ maxHosts, ...r }) => (maxHosts === undefined ? r : { ...r, maxHosts }));
      const vms = s.vms.map((v, i) => ({ ...v, vmKey: `v${i}` }));
      const region = regions[s.regionPick % regions.length]!.name;
      const req: PlacementRequest = s.optimization === 'PERFORMANCE_OPTIMIZED' ? { vms, optimization: s.optimization, region } : { vms, optimization: s.optimization };
      try {
        assertSound(placeApplication(req, regions, hosts), req, regions, hosts);
      } catch (e) {
        if (!isRavelError(e, 'UNAVAILABLE')) throw e;
      }
    }),
    { numRuns: 300 },
  );
});

test('property: with unlimited hosts, every VM that fits a host is placed', () => {
  fc.assert(
    fc.property(arbScenario, (s) => {
      const regions: Region[] = s.regions.map(({ maxHosts: _m, ...r }) => r);
      const vms = s.vms
        .map((v, i) => ({ ...v, vmKey: `v${i}` }))
        .filter((v) => regions.some((r) => v.cpus <= r.hostCapacity.cpus && v.memoryMb <= r.hostCapacity.memoryMb));
      const fitsEverywhere = vms.filter((v) => regions.every((r) => v.cpus <= r.hostCapacity.cpus && v.memoryMb <= r.hostCapacity.memoryMb));
      if (fitsEverywhere.length === 0) return;
      const p = placeApplication({ vms: fitsEverywhere, optimization: 'COST_OPTIMIZED' }, regions, []);
      assert.equal(p.assignments.length, fitsEverywhere.length);
    }),
  );
});
