/**
 * What an application's state is, derived from its parts: the set of its VMs' states, whether
 * it is a draft or published, and whether its design has edits not yet published.
 */
import { match } from 'ts-pattern';
import type { Application, Deployment, Design } from '../schemas/application.ts';
import { idKey } from '../schemas/common.ts';
import type { VmDeployment, VmDesign, VmState } from '../schemas/vm.ts';
import { isVmRunning, vmStates } from '../vm/vm-state-machine.ts';
import { withoutPlannedNics } from '../network/deployment-network.ts';

/** Draft: never published, design only. Published: a deployment exists on hosts. */
export type ApplicationLifecycle = 'DRAFT' | 'PUBLISHED';

export function lifecycleOf(app: Pick<Application, 'deployment'>): ApplicationLifecycle {
  return app.deployment === undefined ? 'DRAFT' : 'PUBLISHED';
}

/**
 * The distinct states of the deployment's VMs, in the order of `vmStates`; empty for a draft
 * or an application without VMs (the SDK's `application_state` reads this set).
 */
export function applicationStates(deployment: Pick<Deployment, 'vms'> | undefined): VmState[] {
  if (deployment === undefined) return [];
  const present = new Set(deployment.vms.map((v) => v.state));
  return vmStates.filter((s) => present.has(s));
}

/** One word for consoles and filters: the single state, MIXED, or DRAFT/EMPTY. */
export function applicationSummary(app: Pick<Application, 'deployment'>): VmState | 'MIXED' | 'DRAFT' | 'EMPTY' {
  const states = applicationStates(app.deployment);
  return match(lifecycleOf(app))
    .with('DRAFT', () => 'DRAFT' as const)
    .with('PUBLISHED', () => (states.length === 0 ? 'EMPTY' : states.length === 1 ? states[0]! : 'MIXED'))
    .exhaustive();
}

/** VMs that hold host resources (starting, started, stopping, restarting). */
export function totalActiveVms(deployment: Pick<Deployment, 'vms'> | undefined): number {
  return deployment === undefined ? 0 : deployment.vms.filter((v) => isVmRunning(v.state)).length;
}

/** The design fields of a deployed VM, without what deployment adds (its NICs' planned MACs and addresses too). */
export function designOf(vm: VmDeployment): VmDesign {
  const { state: _s, hostId: _h, fqdn: _f, publicIps: _p, publicServices: _ps, ...design } = vm;
  return withoutPlannedNics(design);
}

/**
 * True when publishing updates would change something: a VM added, removed or edited in the
 * design since the deployment was made. Ids compare by value whatever their JS type.
 */
export function designDiffersFromDeployment(design: Design, deployment: Pick<Deployment, 'vms'> | undefined): boolean {
  if (deployment === undefined) return false;
  if (design.vms.length !== deployment.vms.length) return true;
  const deployed = new Map(deployment.vms.map((v) => [idKey(v.id), canonical(designOf(v))]));
  return design.vms.some((v) => deployed.get(idKey(v.id)) !== canonical(withoutPlannedNics(v)));
}

/** A stable text form: object keys sorted, bigint and number ids alike, undefined dropped. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number' && Number.isInteger(v)) return v.toString();
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}
