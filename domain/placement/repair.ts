/**
 * Repair: the VMs of a dead host go elsewhere in the same region, packed (COST_OPTIMIZED) and
 * never back onto the dead host. Applications spread by performance keep spreading.
 */
import { RavelError } from '../../core/errors.ts';
import { placeInRegion } from './placement.ts';
import type { HostView, Optimization, Placement, Region, VmDemand } from './placement-types.ts';

export interface RepairRequest {
  readonly deadHostId: string;
  readonly region: string;
  readonly vms: readonly VmDemand[];
  readonly optimization?: Optimization;
  readonly appVmsPerHost?: Readonly<Record<string, number>>;
}

/** Where a dead host's VMs go; UNAVAILABLE when the region has no room left even with new hosts. */
export function planRepair(req: RepairRequest, regions: readonly Region[], hosts: readonly HostView[]): Placement {
  const region = regions.find((r) => r.name === req.region);
  if (region === undefined) throw new RavelError('NOT_FOUND', `unknown region ${req.region}`);
  const p = placeInRegion(
    {
      vms: req.vms,
      optimization: req.optimization ?? 'COST_OPTIMIZED',
      region: req.region,
      excludeHosts: [req.deadHostId],
      ...(req.appVmsPerHost === undefined ? {} : { appVmsPerHost: req.appVmsPerHost }),
    },
    region,
    hosts,
  );
  if (p === undefined) throw new RavelError('UNAVAILABLE', `region ${req.region} has no room to repair host ${req.deadHostId}`);
  return p;
}
