/**
 * The application's share of its organization's limits. The organization actor holds what each
 * of its applications runs (org-usage.ts). Before VMs start (publish, start, publishUpdates, a
 * VM start) the application claims its usage with them added, and the organization refuses a
 * claim past its limits (QUOTA_EXCEEDED, nothing changed). When VMs stop or go, `commit` notices
 * the drop and a durable `usage` reminder reports it. A VM counts from the claim (publishing to
 * start, starting) until it stops.
 */
import { idKey, type VmDesign } from '../../../domain/schemas/index.ts';
import { addUsage, noUsage, usageOf, type Usage } from '../../../domain/tenancy/quota.ts';
import { isVmRunning } from '../../../domain/vm/vm-state-machine.ts';
import { organizationRef } from '../organization/organization-kind.ts';
import type { Ctx, Live } from './application-design.ts';

export const USAGE_REMINDER = 'usage';

type SetUsage = { readonly type: 'setUsage'; readonly applicationId: number; readonly usage: Usage; readonly check: boolean };

/** What the application holds now: running VMs, and VMs publishing that will boot once defined. */
export function usageNow(s: Live): Usage {
  const rt = s.runtime?.vms ?? {};
  return usageOf((s.app.deployment?.vms ?? []).filter((v) => isVmRunning(v.state) || (v.state === 'PUBLISHING' && rt[idKey(v.id)]?.startAfter === true)));
}

export const sameUsage = (a: Usage, b: Usage): boolean => a.runningVms === b.runningVms && a.cpus === b.cpus && a.memoryMb === b.memoryMb && a.diskMb === b.diskMb;

async function report(ctx: Ctx, applicationId: number, organizationId: number, usage: Usage, check: boolean): Promise<void> {
  await ctx.actors.ask<Usage, SetUsage>(organizationRef(organizationId), { type: 'setUsage', applicationId, usage, check });
}

/**
 * Claims room for `starting` beside what the application holds, runs `fn`, and gives the claim
 * back if `fn` fails (no room on hosts, a bad address), so a refusal changes nothing. Answers
 * `fn`'s result and the state to commit with the claim recorded.
 */
export async function withClaim<T extends { state: Live }>(ctx: Ctx, s: Live, starting: readonly Pick<VmDesign, 'numCpus' | 'memorySize' | 'hardDrives'>[], fn: () => Promise<T>): Promise<T> {
  if (starting.length === 0) return fn();
  const before = s.reportedUsage ?? noUsage;
  const claimed = addUsage(usageNow(s), usageOf(starting));
  await report(ctx, s.app.id, s.organizationId, claimed, true);
  try {
    const r = await fn();
    return { ...r, state: { ...r.state, reportedUsage: claimed } };
  } catch (e) {
    await report(ctx, s.app.id, s.organizationId, before, false);
    throw e;
  }
}

/** After a commit: arms the reminder when what runs differs from what the organization was told. */
export function noteUsage(ctx: Ctx, s: Live, now: number): void {
  if (!sameUsage(usageNow(s), s.reportedUsage ?? noUsage)) ctx.reminders.set(USAGE_REMINDER, now);
}

/** The `usage` reminder: tells the organization what the application holds now. */
export async function reportUsage(ctx: Ctx): Promise<void> {
  const s = ctx.state;
  if (s.status !== 'live') return;
  const usage = usageNow(s);
  if (sameUsage(usage, s.reportedUsage ?? noUsage)) return;
  await report(ctx, s.app.id, s.organizationId, usage, false);
  ctx.setState({ ...s, reportedUsage: usage });
}

/** A deleted application holds nothing. */
export async function releaseUsage(ctx: Ctx, s: Live): Promise<void> {
  if (!sameUsage(s.reportedUsage ?? noUsage, noUsage)) await report(ctx, s.app.id, s.organizationId, noUsage, false);
}
