/**
 * Whole-application and several-VM actions over the VM state machine. For the whole
 * application, VMs whose state does not allow the action are skipped (stopping an application
 * leaves its stopped VMs alone); when VMs are named, one refusal refuses all, so a call either
 * changes every VM it names or none.
 */
import { RavelError } from '../../core/errors.ts';
import { idKey, type LocalId } from '../schemas/common.ts';
import type { VmState } from '../schemas/vm.ts';
import { transitionVm, type HostCommand, type VmAction } from '../vm/vm-state-machine.ts';

export interface VmStateRef {
  readonly id: LocalId;
  readonly state: VmState;
}

export interface PlannedVmChange {
  readonly id: LocalId;
  readonly from: VmState;
  readonly to: VmState;
  readonly commands: readonly HostCommand[];
}

/**
 * Plans `action` on the application's VMs (all of them when `ids` is absent). Throws NOT_FOUND
 * for a named id the deployment lacks, ILLEGAL_STATE when a named VM refuses or when no VM of
 * the application can take the action.
 */
export function planVmAction(vms: readonly VmStateRef[], action: VmAction, ids?: readonly LocalId[]): PlannedVmChange[] {
  const byKey = new Map(vms.map((v) => [idKey(v.id), v]));
  if (ids !== undefined) {
    const seen = new Set<string>();
    const out: PlannedVmChange[] = [];
    for (const id of ids) {
      const key = idKey(id);
      if (seen.has(key)) continue;
      seen.add(key);
      const vm = byKey.get(key);
      if (vm === undefined) throw new RavelError('NOT_FOUND', `no VM ${key} in the deployment`, { details: { vmId: key } });
      const t = transitionVm(vm.state, { kind: 'action', action });
      if (!t.ok) throw t.error;
      out.push({ id: vm.id, from: vm.state, to: t.state, commands: t.commands });
    }
    return out;
  }
  const out: PlannedVmChange[] = [];
  for (const vm of vms) {
    const t = transitionVm(vm.state, { kind: 'action', action });
    if (t.ok) out.push({ id: vm.id, from: vm.state, to: t.state, commands: t.commands });
  }
  if (out.length === 0) {
    throw new RavelError('ILLEGAL_STATE', `no VM of the application can ${action} now`, {
      details: { action, states: [...new Set(vms.map((v) => v.state))] },
    });
  }
  return out;
}

/** Applies planned changes to a list of VMs, returning a new list; untouched VMs are kept as they were. */
export function applyVmChanges<V extends VmStateRef>(vms: readonly V[], changes: readonly PlannedVmChange[]): V[] {
  const next = new Map(changes.map((c) => [idKey(c.id), c.to]));
  return vms.map((v) => {
    const to = next.get(idKey(v.id));
    return to === undefined ? v : { ...v, state: to };
  });
}
