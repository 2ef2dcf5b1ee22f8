/**
 * What each application of the organization runs (VMs, CPUs, memory, disk), as the applications
 * report it, so the organization's limits hold across all of them: a claim that would pass a
 * limit together with the others' is QUOTA_EXCEEDED and changes nothing. Claims come one at a
 * time through this actor, so two applications starting at once cannot both pass the last slot.
 */
import { addUsage, checkQuota, noUsage, type Usage } from '../../../domain/tenancy/quota.ts';
import type { OrgCtx } from './org-turn.ts';
import { active } from './org-turn.ts';
import type { OrganizationMsg } from './organization-messages.ts';

type Msg = Extract<OrganizationMsg, { type: 'setUsage' }>;

const isZero = (u: Usage): boolean => u.runningVms === 0 && u.cpus === 0 && u.memoryMb === 0 && u.diskMb === 0;

/** Sets the application's usage; with `check`, only when the organization's limits allow it beside the others'. */
export function setUsage(ctx: OrgCtx, m: Msg): Usage {
  const org = active(ctx);
  const key = String(m.applicationId);
  const { [key]: _mine, ...others } = org.usage ?? {};
  if (m.check) checkQuota(org.limits, Object.values(others).reduce(addUsage, noUsage), m.usage);
  ctx.setState({ ...org, usage: isZero(m.usage) ? others : { ...others, [key]: m.usage } });
  return m.usage;
}
