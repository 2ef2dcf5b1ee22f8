/**
 * Snapshots of a VM's disks, taken when it stops (the state machine's `snapshot` command on the
 * stop report): their result records each disk's new version in `snapshots`, so any later define
 * (the same host or another) starts from what the guest wrote. A move asked while a snapshot is
 * awaited defines the VM on its new host only once it is in (application-vm-actions.ts), and the
 * old host keeps the VM's room until then, so it is not released as idle first. A snapshot that
 * failed, whose host died, or never answered (given up after SNAPSHOT_GIVE_UP_MS by the settle
 * reminder) leaves the newest version in the store as what there is: a dead host cannot be
 * snapshotted. What waited on it (a move, a blueprint) goes on at once from that version. A start meanwhile needs no wait: it boots on the same host, whose disks
 * still hold the guest's writes (a host applies one VM's commands in order, the snapshot first).
 */
import { idKey, type HardDrive, type VmDeployment } from '../../../domain/schemas/index.ts';
import type { StoreRef } from '../../../domain/library/library-records.ts';
import type { HvxCommand } from '../../../hvx/protocol.ts';
import type { Reminders } from '../../actor-kind.ts';
import { libraryRef } from '../library/library-kind.ts';
import type { LibraryMsg } from '../library/library-messages.ts';
import { commit, type Ctx, type Live, type Msg } from './application-design.ts';
import { hvxCommandsFor } from './application-host-commands.ts';
import { releaseHostRoom } from './application-retire.ts';
import { armSettle } from './application-settle.ts';
import type { BlueprintSnapshots, VmRuntime } from './application-state.ts';
import { applyVmTransitions, HOST_COMMANDS_REMINDER } from './application-vm-transitions.ts';

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
  let waits = s.blueprintSnapshots ?? [];
  for (const key of vmKeys) {
    const vm = dep.vms.find((v) => idKey(v.id) === key);
    const rt = vms[key];
    if (vm === undefined || rt?.snapshot === undefined) continue;
    const { snapshot, pending, ...settled } = rt;
    vms[key] = pending === snapshot.command ? settled : { ...settled, ...(pending === undefined ? {} : { pending }) };
    // Only the VM's own disks, each `d<disk id key>` as vmSpecOf names it.
    const own = new Set(vm.hardDrives.map((d) => `d${idKey(d.id)}`));
    const written: Record<string, StoreRef> = {};
    for (const d of disks) if (own.has(d.diskId)) written[d.diskId.slice(1)] = { image: d.image, version: d.version };
    Object.assign(snapshots, written);
    waits = waits.map((w) => (w.awaiting[key] !== snapshot.command ? w : { ...w, awaiting: without(w.awaiting, key), versions: { ...w.versions, ...written } }));
    if (snapshot.defineAfter === true) {
      // Nothing written (failed, given up, its host dead): defined from the newest version in the store.
      if (Object.keys(written).length === 0) Object.assign(snapshots, await newestVersions(ctx, s, vm.hardDrives));
      defines.push({ id: vm.id, to: vm.state, commands: ['reprovision' as const] });
    }
    if (snapshot.host !== vm.hostId) oldHosts.push({ ...vm, hostId: snapshot.host });
  }
  const done = waits.filter((w) => Object.keys(w.awaiting).length === 0);
  for (const w of done) await tellLibrary(ctx, s, await withNewestOfRest(ctx, s, w));
  const pendingWaits = waits.filter((w) => !done.includes(w));
  const noted: Live = {
    ...s,
    runtime: { ...s.runtime, vms },
    ...(Object.keys(snapshots).length === 0 ? {} : { snapshots }),
    ...(s.blueprintSnapshots === undefined ? {} : { blueprintSnapshots: pendingWaits }),
  };
  const next = applyVmTransitions(noted, defines, ctx.clock.now(), ctx.reminders);
  await releaseHostRoom(ctx, s.app.id, oldHosts);
  if (defines.length === 0) ctx.setState(next);
  else commit(ctx, next, { kind: 'system' }, ['VM_STATE_CHANGED'], { vms: defines.map((d) => idKey(d.id)), definedAfterSnapshot: true });
}

const without = (r: Readonly<Record<string, string>>, key: string): Record<string, string> => Object.fromEntries(Object.entries(r).filter(([k]) => k !== key));

/**
 * A blueprint's versions with those of the disks no snapshot wrote (it failed, or its host died,
 * or the guest wrote nothing) at their newest in the store, as a move off a dead host takes them:
 * a version written since the save began (a stop's snapshot) is not lost. When the library cannot
 * answer, its save keeps the versions it read when it began.
 */
async function withNewestOfRest(ctx: Ctx, s: Live, w: BlueprintSnapshots): Promise<BlueprintSnapshots> {
  const rest = (s.app.deployment?.vms ?? []).flatMap((v) => v.hardDrives).filter((d) => d.type === 'DISK' && w.versions[idKey(d.id)] === undefined);
  const newest = await newestVersions(ctx, s, rest);
  return newest === null ? w : { ...w, versions: { ...newest, ...w.versions } };
}

/**
 * The newest version in the store (the last snapshot a host wrote) of each of `drives`, by disk
 * id key; null without an image store, or when the library cannot answer (the reason logged).
 */
export async function newestVersions(ctx: Ctx, s: Live, drives: readonly HardDrive[]): Promise<Record<string, StoreRef> | null> {
  if (s.disks === undefined || drives.length === 0) return null;
  const msg: Extract<LibraryMsg, { type: 'provisionApplicationDisks' }> = { type: 'provisionApplicationDisks', principal: { kind: 'system' }, applicationId: s.app.id, drives: [...drives], newest: true };
  try {
    return await ctx.actors.ask<Record<string, StoreRef> | null, typeof msg>(libraryRef(s.organizationId), msg);
  } catch (e) {
    ctx.log.warn({ err: e, application: s.app.id }, 'disks taken at the versions recorded: the library did not answer their newest');
    return null;
  }
}

/** A blueprint's snapshots are all in: its save goes on from them (an ask: a failure fails the turn, and the report comes again). */
async function tellLibrary(ctx: Ctx, s: Live, w: BlueprintSnapshots): Promise<void> {
  const msg: Extract<LibraryMsg, { type: 'blueprintSnapshots' }> = { type: 'blueprintSnapshots', principal: { kind: 'system' }, blueprintId: w.blueprintId, versions: w.versions };
  await ctx.actors.ask(libraryRef(s.organizationId), msg);
}

/**
 * Snapshots of running VMs' disks (for a blueprint), queued on their hosts' queues: the VMs keep
 * running. Answers the state and each VM's snapshot command id, by VM id key.
 */
export function queueSnapshots(s: Live, running: readonly VmDeployment[], now: number, reminders: Reminders): { state: Live; commands: Record<string, string> } {
  const vms: Record<string, VmRuntime> = { ...(s.runtime?.vms ?? {}) };
  const outgoing: HvxCommand[] = [...(s.runtime?.outgoing ?? [])];
  const commands: Record<string, string> = {};
  for (const vm of running) {
    const key = idKey(vm.id);
    const rt = vms[key] ?? { gen: 0, startAfter: false, lastStatusSeq: 0 };
    const gen = rt.gen + 1;
    const cmd = hvxCommandsFor('snapshot', { organizationId: s.organizationId, applicationId: s.app.id, vm, gen, now })[0];
    if (cmd === undefined) continue;
    outgoing.push(cmd);
    vms[key] = { ...rt, gen, snapshot: { command: cmd.id, host: cmd.host, askedAt: now } };
    commands[key] = cmd.id;
  }
  if (outgoing.length > 0 && reminders.get(HOST_COMMANDS_REMINDER) === undefined) reminders.set(HOST_COMMANDS_REMINDER, now);
  if (Object.keys(commands).length > 0) armSettle(reminders, now);
  return { state: { ...s, runtime: { vms, outgoing } }, commands };
}

/** How long a snapshot may go unanswered (its command refused, or its result lost) before it is given up on. */
// Twice the settle reminder's bound, written out: the two files import each other.
export const SNAPSHOT_GIVE_UP_MS = 10 * 60_000;

/**
 * The settle reminder's part for snapshots: those asked SNAPSHOT_GIVE_UP_MS ago and never
 * answered are given up on, as failed ones are (what awaits them goes on from the newest versions
 * in the store), so a move or a blueprint is not held forever. A late result then changes
 * nothing. Answers when the next one is due, if any is awaited.
 */
export async function giveUpSnapshots(ctx: Ctx): Promise<number | undefined> {
  const s = ctx.state;
  if (s.status !== 'live' || s.runtime === null) return undefined;
  const now = ctx.clock.now();
  const stale: string[] = [];
  let next: number | undefined;
  for (const [key, rt] of Object.entries(s.runtime.vms)) {
    if (rt.snapshot === undefined) continue;
    const due = (rt.snapshot.askedAt ?? now) + SNAPSHOT_GIVE_UP_MS;
    if (due <= now) stale.push(key);
    else next = Math.min(next ?? due, due);
  }
  if (stale.length === 0) return next;
  ctx.log.warn({ application: s.app.id, vms: stale }, 'snapshot never answered: given up, the newest version in the store taken');
  await settleSnapshots(ctx, s, stale, []);
  return next;
}

/** The VMs whose awaited snapshot was asked of `host`, which is lost: it never comes. */
export function snapshotsAskedOf(s: Live, host: string, vmKeys: readonly string[]): string[] {
  return vmKeys.filter((k) => s.runtime?.vms[k]?.snapshot?.host === host);
}
