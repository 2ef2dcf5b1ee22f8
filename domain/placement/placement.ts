/**
 * Placing an application's VMs on hosts by CPU and memory.
 *
 * COST_OPTIMIZED: regions in order of what the VMs would cost there; the first where they all
 * fit wins. Inside it, best-fit decreasing: the largest VMs first, each on the host that it
 * leaves least room on, so hosts fill up and fewer are rented.
 * PERFORMANCE_OPTIMIZED: the region asked for; each VM on the host with the fewest VMs of this
 * application, then the most room (worst-fit), so one host's loss takes few of them.
 * A VM that fits nowhere gets a new host of the region's size, within `maxHosts`. Nothing is
 * ever placed beyond a host's free CPU or memory.
 */
import { match } from 'ts-pattern';
import { RavelError } from '../../core/errors.ts';
import { NEW_HOST_PREFIX, type HostView, type Placement, type PlacementRequest, type Region, type VmDemand } from './placement-types.ts';

interface Bin {
  id: string;
  cpus: number;
  memoryMb: number;
  appVms: number;
}

/** Hourly price of the demands in a region. */
export function hourlyCost(vms: readonly VmDemand[], region: Region): number {
  return vms.reduce((sum, v) => sum + v.cpus * region.pricePerCpuHour + (v.memoryMb / 1024) * region.pricePerGbHour, 0);
}

/** Largest first: by the larger of its CPU and memory shares of a host, then by key for determinism. */
function decreasing(vms: readonly VmDemand[], region: Region): VmDemand[] {
  const weight = (v: VmDemand): number => Math.max(v.cpus / region.hostCapacity.cpus, v.memoryMb / region.hostCapacity.memoryMb);
  return vms.slice().sort((a, b) => weight(b) - weight(a) || (a.vmKey < b.vmKey ? -1 : a.vmKey > b.vmKey ? 1 : 0));
}

/** Places every VM in one region, or answers undefined when they cannot all fit. */
export function placeInRegion(req: PlacementRequest, region: Region, hosts: readonly HostView[]): Placement | undefined {
  const excluded = new Set(req.excludeHosts ?? []);
  const regionHosts = hosts.filter((h) => h.region === region.name);
  const bins: Bin[] = regionHosts
    .filter((h) => h.accepting && !excluded.has(h.id))
    .map((h) => ({ id: h.id, cpus: h.freeCpus, memoryMb: h.freeMemoryMb, appVms: req.appVmsPerHost?.[h.id] ?? 0 }));
  // Hosts that exist (even dead ones, until released) count against the region's limit.
  let rentable = region.maxHosts === undefined ? Infinity : Math.max(0, region.maxHosts - regionHosts.length);
  const newHosts: string[] = [];
  const assignments: { vmKey: string; hostId: string }[] = [];
  const score = match(req.optimization)
    .with('COST_OPTIMIZED', () => (b: Bin, v: VmDemand) => [0, (b.cpus - v.cpus) / region.hostCapacity.cpus + (b.memoryMb - v.memoryMb) / region.hostCapacity.memoryMb])
    .with('PERFORMANCE_OPTIMIZED', () => (b: Bin) => [b.appVms, -(b.cpus / region.hostCapacity.cpus + b.memoryMb / region.hostCapacity.memoryMb)])
    .exhaustive();
  for (const vm of decreasing(req.vms, region)) {
    if (vm.cpus > region.hostCapacity.cpus || vm.memoryMb > region.hostCapacity.memoryMb) return undefined;
    let best: Bin | undefined;
    let bestScore: number[] = [];
    for (const b of bins) {
      if (b.cpus < vm.cpus || b.memoryMb < vm.memoryMb) continue;
      const s = score(b, vm);
      if (best === undefined || lexLess(s, bestScore)) {
        best = b;
        bestScore = s;
      }
    }
    // Spreading prefers a fresh host over doubling up, while one may be rented.
    if (best !== undefined && req.optimization === 'PERFORMANCE_OPTIMIZED' && best.appVms > 0 && rentable > 0) best = undefined;
    if (best === undefined) {
      if (rentable <= 0) return undefined;
      rentable--;
      best = { id: `${NEW_HOST_PREFIX}${newHosts.length}`, cpus: region.hostCapacity.cpus, memoryMb: region.hostCapacity.memoryMb, appVms: 0 };
      newHosts.push(best.id);
      bins.push(best);
    }
    best.cpus -= vm.cpus;
    best.memoryMb -= vm.memoryMb;
    best.appVms++;
    assignments.push({ vmKey: vm.vmKey, hostId: best.id });
  }
  return { region: region.name, assignments, newHosts };
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/**
 * Places an application's VMs. Throws INVALID_ARGUMENT for an unknown region or a performance
 * request without one, UNAVAILABLE when no allowed region has room.
 */
export function placeApplication(req: PlacementRequest, regions: readonly Region[], hosts: readonly HostView[]): Placement {
  const named = req.region === undefined ? undefined : regions.find((r) => r.name === req.region);
  if (req.region !== undefined && named === undefined) {
    throw new RavelError('INVALID_ARGUMENT', `unknown region ${req.region}`, { details: { field: 'preferredRegion' } });
  }
  const candidates = match(req.optimization)
    .with('PERFORMANCE_OPTIMIZED', () => {
      if (named === undefined) throw new RavelError('INVALID_ARGUMENT', 'PERFORMANCE_OPTIMIZED needs a region', { details: { field: 'preferredRegion' } });
      return [named];
    })
    .with('COST_OPTIMIZED', () =>
      named !== undefined ? [named] : regions.slice().sort((a, b) => hourlyCost(req.vms, a) - hourlyCost(req.vms, b) || (a.name < b.name ? -1 : 1)),
    )
    .exhaustive();
  for (const region of candidates) {
    const p = placeInRegion(req, region, hosts);
    if (p !== undefined) return p;
  }
  throw new RavelError('UNAVAILABLE', 'no region has room for these VMs', {
    details: { regions: candidates.map((r) => r.name), vms: req.vms.length },
  });
}
