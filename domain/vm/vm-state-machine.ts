/**
 * The VM state machine, written once. User actions and host reports are events; the
 * transition function answers the next state and the commands to send the VM's host, or a
 * refusal (ILLEGAL_STATE, HTTP 409) that changes nothing.
 */
import { match, P } from 'ts-pattern';
import { RavelError } from '../../core/errors.ts';
import type { VmState } from '../schemas/vm.ts';

export const vmStates: readonly VmState[] = ['STOPPED', 'PUBLISHING', 'STARTING', 'STARTED', 'STOPPING', 'RESTARTING', 'ERROR'];

/** What a user asks of one VM (`POST .../vms/{vm}/{action}`), plus publish. */
export type VmAction = 'publish' | 'start' | 'stop' | 'shutdown' | 'poweroff' | 'restart' | 'redeploy' | 'repair' | 'resetDisks';
export const vmActions: readonly VmAction[] = ['publish', 'start', 'stop', 'shutdown', 'poweroff', 'restart', 'redeploy', 'repair', 'resetDisks'];

/**
 * What the VM's host (or its absence) reports. `abandoned`: the VM's lost host is given up on
 * with the VM not to run again (it was not meant to, or its application's expiration is due).
 */
export type HostReport = 'provisioned' | 'booted' | 'stopped' | 'failed' | 'hostLost' | 'abandoned';
export const hostReports: readonly HostReport[] = ['provisioned', 'booted', 'stopped', 'failed', 'hostLost', 'abandoned'];

export type VmEvent =
  | { readonly kind: 'action'; readonly action: VmAction }
  | { readonly kind: 'host'; readonly report: 'provisioned'; readonly startAfter: boolean }
  | { readonly kind: 'host'; readonly report: Exclude<HostReport, 'provisioned'> };

/** A command to the host (or the placer) that the new state needs. */
export type HostCommand =
  | 'provision' // copy disks and define the VM on a host chosen by placement
  | 'reprovision' // the same on another host, leaving the old one
  | 'boot'
  | 'shutdown' // ACPI: the guest stops itself
  | 'poweroff' // pull the plug
  | 'reboot'
  | 'resetDisks'
  | 'snapshot'; // write the blocks the guest changed as new versions of its disks (the VM may run)

export type VmTransition =
  | { readonly ok: true; readonly state: VmState; readonly commands: readonly HostCommand[] }
  | { readonly ok: false; readonly error: RavelError };

/**
 * Every state another may follow. The transition function never leaves this table; the tests
 * hold it to that. Staying in the same state (a repeated report) is listed where allowed.
 */
export const allowedNextStates: Readonly<Record<VmState, readonly VmState[]>> = {
  STOPPED: ['PUBLISHING', 'STARTING', 'STOPPED', 'STARTED', 'ERROR'],
  PUBLISHING: ['STARTING', 'STOPPED', 'ERROR'],
  STARTING: ['STARTED', 'STOPPING', 'STOPPED', 'ERROR'],
  STARTED: ['STOPPING', 'RESTARTING', 'STARTED', 'STOPPED', 'ERROR'],
  STOPPING: ['STOPPED', 'STOPPING', 'ERROR'],
  RESTARTING: ['STARTED', 'STARTING', 'STOPPING', 'ERROR'],
  ERROR: ['PUBLISHING', 'STOPPING', 'STOPPED', 'STARTED', 'ERROR'],
};

const go = (state: VmState, ...commands: HostCommand[]): VmTransition => ({ ok: true, state, commands });

function refuse(state: VmState, event: VmEvent): VmTransition {
  const what = event.kind === 'action' ? event.action : `host report ${event.report}`;
  return {
    ok: false,
    error: new RavelError('ILLEGAL_STATE', `${what} is not allowed while the VM is ${state}`, {
      details: { state, event: event.kind === 'action' ? event.action : event.report },
    }),
  };
}

/** The next state of a VM in `state` after `event`, or a refusal. Pure. */
export function transitionVm(state: VmState, event: VmEvent): VmTransition {
  return match<[VmState, VmEvent], VmTransition>([state, event])
    // A stopped VM runs nowhere: losing its host loses nothing (its disks are in the image
    // store), so it stays STOPPED and the caller unassigns it, to be placed anew when started.
    .with(['STOPPED', { kind: 'host', report: 'hostLost' }], () => go('STOPPED'))
    // Host lost or the hypervisor failed: ERROR from anywhere else; repair moves it.
    .with([P._, { kind: 'host', report: P.union('hostLost', 'failed') }], () => go('ERROR'))
    .otherwise(([s, e]) => (e.kind === 'action' ? onAction(s, e.action, e) : onReport(s, e)));
}

function onAction(s: VmState, action: VmAction, e: VmEvent): VmTransition {
  return match<[VmState, VmAction], VmTransition>([s, action])
    .with(['STOPPED', 'publish'], () => go('PUBLISHING', 'provision'))
    .with(['STOPPED', 'start'], () => go('STARTING', 'boot'))
    .with(['STOPPED', 'redeploy'], ['ERROR', 'redeploy'], () => go('PUBLISHING', 'reprovision'))
    .with(['STOPPED', 'resetDisks'], () => go('STOPPED', 'resetDisks'))
    .with(['ERROR', 'repair'], () => go('PUBLISHING', 'reprovision'))
    .with(['STARTED', 'stop'], ['STARTED', 'shutdown'], () => go('STOPPING', 'shutdown'))
    // Moving a running VM: it is shut down first, so its disks can be snapshotted whole; the
    // caller moves it once it is STOPPED and snapshotted (a redeploy of a STOPPED VM).
    .with(['STARTED', 'redeploy'], () => go('STOPPING', 'shutdown'))
    // A guest still booting cannot take an ACPI shutdown reliably: stop it hard.
    .with(['STARTING', 'stop'], () => go('STOPPING', 'poweroff'))
    .with(
      ['STARTED', 'poweroff'],
      ['STARTING', 'poweroff'],
      ['STOPPING', 'poweroff'],
      ['RESTARTING', 'poweroff'],
      ['ERROR', 'poweroff'],
      () => go('STOPPING', 'poweroff'),
    )
    .with(['STARTED', 'restart'], () => go('RESTARTING', 'reboot'))
    .otherwise(() => refuse(s, e));
}

function onReport(s: VmState, e: Extract<VmEvent, { kind: 'host' }>): VmTransition {
  return match<[VmState, VmEvent], VmTransition>([s, e])
    .with(['PUBLISHING', { report: 'provisioned', startAfter: true }], () => go('STARTING', 'boot'))
    .with(['PUBLISHING', { report: 'provisioned', startAfter: false }], () => go('STOPPED'))
    .with(['STARTING', { report: 'booted' }], ['RESTARTING', { report: 'booted' }], () => go('STARTED'))
    // Repeated, late or out-of-band reports settle the state to what the host sees.
    .with(['STARTED', { report: 'booted' }], ['STOPPED', { report: 'booted' }], ['ERROR', { report: 'booted' }], () => go('STARTED'))
    // A VM that ran and stopped: what its guest wrote is snapshotted into the store, so a define
    // anywhere later (a move, a repair, a start placed anew) starts from it.
    .with(['STARTING', { report: 'stopped' }], ['STARTED', { report: 'stopped' }], ['STOPPING', { report: 'stopped' }], () => go('STOPPED', 'snapshot'))
    .with(['STOPPED', { report: 'stopped' }], ['ERROR', { report: 'stopped' }], () => go('STOPPED'))
    // A reboot the host carries out as stop then boot.
    .with(['RESTARTING', { report: 'stopped' }], () => go('STARTING', 'boot'))
    // Off a lost host, not to run again: nothing of it runs anywhere and its disks are in the
    // image store, so it is stopped (the caller takes it off the dead host).
    .with(['ERROR', { report: 'abandoned' }], ['STOPPED', { report: 'abandoned' }], () => go('STOPPED'))
    .otherwise(() => refuse(s, e));
}

/** The transition, or the refusal thrown: for callers that stop at the first error. */
export function transitionVmOrThrow(state: VmState, event: VmEvent): { state: VmState; commands: readonly HostCommand[] } {
  const t = transitionVm(state, event);
  if (!t.ok) throw t.error;
  return { state: t.state, commands: t.commands };
}

/** States in which the VM holds a host's CPU and memory and is billed. */
export function isVmRunning(state: VmState): boolean {
  return match(state)
    .with('STARTING', 'STARTED', 'STOPPING', 'RESTARTING', () => true)
    .with('STOPPED', 'PUBLISHING', 'ERROR', () => false)
    .exhaustive();
}

export const action = (a: VmAction): VmEvent => ({ kind: 'action', action: a });

