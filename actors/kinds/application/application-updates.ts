/**
 * `publishUpdates`: the design's edits applied to a published application. VMs added to the
 * design are placed in the application's region and published (started too with
 * `startAllDraftVms`, the default, after a quota check); VMs removed from the design are powered
 * off, undefined and their host room and public addresses released; edited VMs take the new design in the
 * deployment. ILLEGAL_STATE for a draft or when nothing differs; a refusal changes nothing.
 */
import { publishUpdates as planUpdates, type HostAssignments } from '../../../domain/application/application-lifecycle.ts';
import { RavelError } from '../../../core/errors.ts';
import { designDiffersFromDeployment } from '../../../domain/application/application-state.ts';
import { idKey, sizeInMb, type Application } from '../../../domain/schemas/index.ts';
import { commit, visible, type Ctx, type Live, type Msg } from './application-design.ts';
import { givePlacedRoomBack, place, provisionDisks, type ApplicationDeploymentDeps } from './application-deployment.ts';
import { planDeploymentNetwork } from '../../../domain/network/deployment-network.ts';
import { withClaim } from './application-usage.ts';
import { releaseHostRoom, retireVms } from './application-retire.ts';
import { DEFAULT_BASE_DOMAIN, detachElasticIps, exposeDeployedVms, releaseExposures } from './application-exposure.ts';
import { applyVmTransitions, type VmChange } from './application-vm-transitions.ts';

export async function publishUpdates(ctx: Ctx, m: Msg<'publishUpdates'>, deps: ApplicationDeploymentDeps): Promise<Application> {
  const s = visible(ctx, m.principal, 'EXECUTE');
  const dep = s.app.deployment;
  if (dep === undefined) throw new RavelError('ILLEGAL_STATE', `application ${s.app.id} is not published`);
  if (!designDiffersFromDeployment(s.app.design, dep)) throw new RavelError('ILLEGAL_STATE', 'the design has no changes to publish');
  const deployed = new Set(dep.vms.map((v) => idKey(v.id)));
  const fresh = s.app.design.vms.filter((v) => !deployed.has(idKey(v.id)));
  const startNew = m.startAllDraftVms ?? true;
  planDeploymentNetwork(s.app.design, dep); // a collision refuses here, before disks or room are taken (planUpdates applies the plan)
  // Added VMs' disks get their images in the store as at publish (the deployed ones keep theirs).
  const disks = fresh.length > 0 ? await provisionDisks(ctx, s) : null;
  const { state: claimed, plan, removed } = await withClaim(ctx, s, startNew ? fresh : [], async () => {
    let hosts: HostAssignments = {};
    if (fresh.length > 0) {
      const demands = fresh.map((v) => ({ vmKey: idKey(v.id), cpus: v.numCpus, memoryMb: sizeInMb(v.memorySize) }));
      const p = await place(ctx, s, deps, dep.optimizationLevel, dep.regionName, demands);
      hosts = Object.fromEntries(p.assignments.map((a) => [a.vmKey, a.hostId]));
    }
    const plan = planUpdates(s.app, hosts);
    const removedKeys = new Set(plan.removed);
    const addedKeys = new Set(plan.added);
    const planned = plan.application.deployment?.vms ?? [];
    const added = planned.filter((v) => addedKeys.has(idKey(v.id)));
    const exposed = await exposeDeployedVms(ctx, s, added, dep.regionName, deps.baseDomain ?? DEFAULT_BASE_DOMAIN).catch(async (e: unknown) => {
      await givePlacedRoomBack(ctx, s, dep.regionName, added); // refused: the room goes back, and a retry places anew
      throw e;
    });
    const byKey = new Map(exposed.map((v) => [idKey(v.id), v]));
    const application = { ...plan.application, deployment: { ...dep, ...plan.application.deployment, vms: planned.map((v) => byKey.get(idKey(v.id)) ?? v) } };
    return { state: { ...s, app: application, ...(disks === null ? {} : { disks }) }, plan, removed: dep.vms.filter((v) => removedKeys.has(idKey(v.id))) };
  });
  const now = ctx.clock.now();
  const updated: Live = retireVms(claimed, removed, now, ctx.reminders);
  const addedKeys = new Set(plan.added);
  const changes: VmChange[] = (plan.application.deployment?.vms ?? [])
    .filter((v) => addedKeys.has(idKey(v.id)))
    .map((v) => ({ id: v.id, to: 'PUBLISHING', commands: ['provision'], startAfter: startNew }));
  const next = applyVmTransitions(updated, changes, now, ctx.reminders);
  await releaseHostRoom(ctx, s.app.id, removed);
  await releaseExposures(ctx, dep.regionName, removed);
  await detachElasticIps(ctx, s, removed.map((v) => v.id));
  commit(ctx, next, m.principal, ['APPLICATION_UPDATES_PUBLISHED'], { added: plan.added, removed: plan.removed, changed: plan.changed, startAllDraftVms: startNew });
  return next.app;
}
