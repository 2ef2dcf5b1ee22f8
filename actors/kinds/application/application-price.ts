/**
 * `calcPrice;design` and `;deployment`: the hourly price of the application's VMs from their sizes
 * and a region's prices (domain/billing/pricing.ts): the region it runs in once published, else
 * the cheapest configured region for the design (where COST_OPTIMIZED would put it).
 */
import { RavelError } from '../../../core/errors.ts';
import { calcPrice, type PriceQuote } from '../../../domain/billing/pricing.ts';
import { hourlyCost } from '../../../domain/placement/placement.ts';
import { idKey, sizeInMb } from '../../../domain/schemas/index.ts';
import { visible, type Ctx, type Msg } from './application-design.ts';
import type { ApplicationDeploymentDeps } from './application-deployment.ts';

export function price(ctx: Ctx, m: Msg<'calcPrice'>, deps: ApplicationDeploymentDeps): PriceQuote {
  const s = visible(ctx, m.principal, 'READ');
  const dep = s.app.deployment;
  if (m.aspect === 'deployment' && dep === undefined) throw new RavelError('ILLEGAL_STATE', `application ${s.app.id} is not published`);
  const vms = m.aspect === 'deployment' ? (dep?.vms ?? []) : s.app.design.vms;
  const demands = vms.map((v) => ({ vmKey: idKey(v.id), cpus: v.numCpus, memoryMb: sizeInMb(v.memorySize) }));
  const region = dep !== undefined
    ? deps.regions.find((r) => r.name === dep.regionName)
    : deps.regions.slice().sort((a, b) => hourlyCost(demands, a) - hourlyCost(demands, b))[0];
  if (region === undefined) throw new RavelError('UNAVAILABLE', 'no region with prices is configured');
  return calcPrice(vms, region);
}
