/**
 * Snapshots of a VM's disks, taken when it stops (the state machine's `snapshot` command on the
 * stop report): their result records each disk's new version in `snapshots`, so any later define
 * (the same host or another) starts from what the guest wrote. A move asked while a snapshot is
 * awaited defines the VM on its new host only once it is in (application-vm-actions.ts), and the
 * old host keeps the VM's room until then, so it is not released as idle first. A snapshot that
 * failed, or whose host died, leaves the newest version in the store as what there is: a dead host
 * cannot be snapshotted. A start meanwhile needs no wait: it boots on the same host, whose disks
 * still hold the guest's writes (a host applies one VM's commands in order, the snapshot first).
 */
import { idKey } from '../../../domain/schemas/index.ts';
import type { StoreRef } from '../../../domain/library/library-records.ts';
import { commit, type Ctx, type Live, type Msg } from './application-design.ts';
import { releaseHostRoom } from './application-retire.ts';
import type { VmRuntime } from './application-state.ts';
import { applyVmTransitions } from './application-vm-transitions.ts';

type Disks = NonNullable<Msg<'hostResult'>['disks']>;

/** The state with the snapshots awaited by `vmKeys` marked to define those VMs once they are in. */
export function awaitSnapshots(s: Live, vmKeys: ReadonlySet<string>): Live {
  const vms: Record<string, VmRuntime> = { ...(s.runtime?.vms ?? {}) };
  for (const k of vmKeys) {
    const rt = vms[k];
    if (rt?.snapshot !== undefined) vms[k] = { ...rt, snapshot: { ...rt.snapshot, defineAfter: true } };
  }
  return { ...s, runtime: { vms, outgoing: s.runtime?.outgoing ?? [] } };
}

/** A snapshot command's result (a late one, for a snapshot no longer awaited, changes nothing). */
export async function snapshotResult(ctx: Ctx, m: Msg<'hostResult'>): Promise<null> {
  const s = ctx.state;
  if (s.status !== 'live' || s.runtime === null) return null;
  const vmKey = Object.entries(s.runtime.vms).find(([, r]) => r.snapshot?.command === m.commandId)?.[0];
  if (vmKey === undefined) return null;
  if (!m.ok) ctx.log.warn({ application: s.app.id, vm: vmKey, host: m.host }, 'snapshot failed: the VM is defined again from its newest version in the store');
  await settleSnapshots(ctx, s, [vmKey], m.ok ? (m.disks ?? []) : []);
  return null;
}

/**
 * The snapshots of `vmKeys` settled (`disks` the versions written, none when it failed or its
 * host died): recorded, the VMs moved meanwhile defined on their new hosts, their old hosts'
 * room given back. Commits.
 */
export async function settleSnapshots(ctx: Ctx, s: Live, vmKeys: readonly string[], disks: Disks): Promise<void> {
  const dep = s.app.deployment;
  if (dep === undefined || s.runtime === null) return;
  const vms: Record<string, VmRuntime> = { ...s.runtime.vms };
  const snapshots: Record<string, StoreRef> = { ...s.snapshots };
  const defines = [];
  const oldHosts = [];
  for (const key of vmKeys) {
    const vm = dep.vms.find((v) => idKey(v.id) === key);
    const rt = vms[key];
    if (vm === undefined || rt?.snapshot === undefined) continue;
    const { snapshot, pending, ...settled } = rt;
    vms[key] = pending === snapshot.command ? settled : { ...settled, ...(pending === undefined ? {} : { pending }) };
    // Only the VM's own disks, each `d<disk id key>` as vmSpecOf names it.
    const own = new Set(vm.hardDrives.map((d) => `d${idKey(d.id)}`));
    for (const d of disks) if (own.has(d.diskId)) snapshots[d.diskId.slice(1)] = { image: d.image, version: d.version };
    if (snapshot.defineAfter === true) defines.push({ id: vm.id, to: vm.state, commands: ['reprovision' as const] });
    if (snapshot.host !== vm.hostId) oldHosts.push({ ...vm, hostId: snapshot.host });
  }
  const noted: Live = { ...s, runtime: { ...s.runtime, vms }, ...(Object.keys(snapshots).length === 0 ? {} : { snapshots }) };
  const next = applyVmTransitions(noted, defines, ctx.clock.now(), ctx.reminders);
  await releaseHostRoom(ctx, s.app.id, oldHosts);
  if (defines.length === 0) ctx.setState(next);
  else commit(ctx, next, { kind: 'system' }, ['VM_STATE_CHANGED'], { vms: defines.map((d) => idKey(d.id)), definedAfterSnapshot: true });
}

/** The VMs whose awaited snapshot was asked of `host`, which is lost: it never comes. */
export function snapshotsAskedOf(s: Live, host: string, vmKeys: readonly string[]): string[] {
  return vmKeys.filter((k) => s.runtime?.vms[k]?.snapshot?.host === host);
}
