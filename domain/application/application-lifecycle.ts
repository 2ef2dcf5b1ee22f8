/**
 * An application's life: created as a draft (empty, from a design, or from a blueprint's
 * design), published onto hosts (every VM PUBLISHING on its placed host), updated by publishing
 * design edits, given an expiration. Each returns a new application or throws and changes
 * nothing; placement, quotas and events are the caller's (the application actor's) to combine.
 */
import { RavelError } from '../../core/errors.ts';
import type { Application, Design, OptimizationLevel } from '../schemas/application.ts';
import { idKey } from '../schemas/common.ts';
import type { VmDeployment } from '../schemas/vm.ts';
import { defaultDesignLimits, type DesignLimits } from '../design/design-limits.ts';
import { validateDesign } from '../design/design-validate.ts';
import { expirationTime } from '../schedule/expiration.ts';
import { planDeploymentNetwork, withPlannedNics, withoutPlannedNics } from '../network/deployment-network.ts';
import { canonical, designDiffersFromDeployment, designOf, totalActiveVms } from './application-state.ts';

/** Where placement put each VM (by id key), for publish and publish updates. */
export type HostAssignments = Readonly<Record<string, string>>;

export function createApplication(
  id: number,
  input: { name: string; description?: string; design?: Design; baseBlueprintId?: number },
  now: number,
  limits: DesignLimits = defaultDesignLimits,
): Application {
  const design = structuredClone(input.design ?? { vms: [] });
  validateDesign(design, limits);
  return {
    id,
    name: input.name,
    ...(input.description === undefined ? {} : { description: input.description }),
    ...(input.baseBlueprintId === undefined ? {} : { baseBlueprintId: input.baseBlueprintId }),
    creationTime: now,
    design,
    published: false,
  };
}

function deployedVm(vm: Design['vms'][number], hosts: HostAssignments): VmDeployment {
  const hostId = hosts[idKey(vm.id)];
  if (hostId === undefined) throw new RavelError('INTERNAL', `placement left VM ${idKey(vm.id)} without a host`);
  return { ...structuredClone(vm), state: 'PUBLISHING', hostId };
}

/**
 * Publishes a draft: ILLEGAL_STATE when already published, INVALID_ARGUMENT when it has no VMs.
 * Every VM starts PUBLISHING on the host placement chose, each NIC with the address and MAC the
 * application's network plan gives it (INVALID_ARGUMENT for a collision).
 */
export function publishApplication(
  app: Application,
  placement: { region: string; optimizationLevel: OptimizationLevel; hosts: HostAssignments },
  now: number,
): Application {
  if (app.deployment !== undefined) throw new RavelError('ILLEGAL_STATE', `application ${app.id} is already published`);
  if (app.design.vms.length === 0) throw new RavelError('INVALID_ARGUMENT', 'an application without VMs cannot be published', { details: { field: '/design/vms' } });
  validateDesign(app.design);
  const vms = withPlannedNics(app.design.vms.map((vm) => deployedVm(vm, placement.hosts)), planDeploymentNetwork(app.design));
  return {
    ...app,
    published: true,
    designDiffersFromDeployment: false,
    deployment: { vms, regionName: placement.region, optimizationLevel: placement.optimizationLevel, totalActiveVms: 0, publishTime: now },
  };
}

export interface UpdatePlan {
  readonly application: Application;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Edited VMs: their deployment takes the new design, applied by the host at the next start. */
  readonly changed: readonly string[];
}

/**
 * Pushes design edits to the deployment. `hosts` places the added VMs. ILLEGAL_STATE for a draft
 * or when nothing differs.
 */
export function publishUpdates(app: Application, hosts: HostAssignments): UpdatePlan {
  const dep = app.deployment;
  if (dep === undefined) throw new RavelError('ILLEGAL_STATE', `application ${app.id} is not published`);
  if (!designDiffersFromDeployment(app.design, dep)) throw new RavelError('ILLEGAL_STATE', 'the design has no changes to publish');
  validateDesign(app.design);
  const deployed = new Map(dep.vms.map((v) => [idKey(v.id), v]));
  const inDesign = new Set(app.design.vms.map((v) => idKey(v.id)));
  const added: string[] = [];
  const changed: string[] = [];
  const designed = app.design.vms.map((vm) => {
    const key = idKey(vm.id);
    const old = deployed.get(key);
    if (old === undefined) {
      added.push(key);
      return deployedVm(vm, hosts);
    }
    const { state, hostId, fqdn, publicIps, publicServices } = old;
    const runtime = { state, ...(hostId === undefined ? {} : { hostId }), ...(fqdn === undefined ? {} : { fqdn }), ...(publicIps === undefined ? {} : { publicIps }), ...(publicServices === undefined ? {} : { publicServices }) };
    if (canonical(designOf(old)) !== canonical(withoutPlannedNics(vm))) changed.push(key);
    return { ...structuredClone(vm), ...runtime };
  });
  // NICs that stay keep their addresses and MACs; a collision refuses the whole update.
  const vms = withPlannedNics(designed, planDeploymentNetwork(app.design, dep));
  const removed = dep.vms.map((v) => idKey(v.id)).filter((k) => !inDesign.has(k));
  const deployment = { ...dep, vms, totalActiveVms: totalActiveVms({ vms }) };
  return { application: { ...app, deployment, designDiffersFromDeployment: false }, added, removed, changed };
}

/** Replaces the design (PUT), keeping `designDiffersFromDeployment` current. */
export function setDesign(app: Application, design: Design, limits: DesignLimits = defaultDesignLimits): Application {
  validateDesign(design, limits);
  return { ...app, design, designDiffersFromDeployment: designDiffersFromDeployment(design, app.deployment) };
}

/** `setExpiration`: a draft cannot expire (ILLEGAL_STATE); -1 clears it. */
export function setApplicationExpiration(app: Application, expirationFromNowSeconds: number, now: number): Application {
  if (app.deployment === undefined) throw new RavelError('ILLEGAL_STATE', 'only a published application can expire');
  const at = expirationTime(now, expirationFromNowSeconds);
  const { nextStopTime: _n, ...rest } = app;
  const { expirationTime: _e, ...dep } = app.deployment;
  return at === undefined ? { ...rest, deployment: dep } : { ...rest, nextStopTime: at, deployment: { ...dep, expirationTime: at } };
}
