/**
 * Limits of an organization (VMs running, CPUs, memory, disk), checked when publishing or
 * starting: what runs now plus what the call would add must stay within them, else
 * QUOTA_EXCEEDED naming the limit, and nothing changes.
 */
import { RavelError } from '../../core/errors.ts';
import type { Limits } from '../schemas/organization.ts';
import type { VmDesign } from '../schemas/vm.ts';
import { sizeInMb } from '../schemas/common.ts';

export interface Usage {
  readonly runningVms: number;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly diskMb: number;
}

export const noUsage: Usage = { runningVms: 0, cpus: 0, memoryMb: 0, diskMb: 0 };

/** What these VMs take when running. */
export function usageOf(vms: readonly Pick<VmDesign, 'numCpus' | 'memorySize' | 'hardDrives'>[]): Usage {
  return vms.reduce<Usage>(
    (u, vm) => ({
      runningVms: u.runningVms + 1,
      cpus: u.cpus + vm.numCpus,
      memoryMb: u.memoryMb + sizeInMb(vm.memorySize),
      diskMb: u.diskMb + vm.hardDrives.reduce((s, d) => s + (d.type === 'DISK' && d.size !== undefined ? sizeInMb(d.size) : 0), 0),
    }),
    noUsage,
  );
}

export function addUsage(a: Usage, b: Usage): Usage {
  return { runningVms: a.runningVms + b.runningVms, cpus: a.cpus + b.cpus, memoryMb: a.memoryMb + b.memoryMb, diskMb: a.diskMb + b.diskMb };
}

/** Throws QUOTA_EXCEEDED when `current + adding` passes any limit. */
export function checkQuota(limits: Limits, current: Usage, adding: Usage): void {
  const after = addUsage(current, adding);
  const checks: [keyof Limits, number][] = [
    ['maxRunningVms', after.runningVms],
    ['maxCpus', after.cpus],
    ['maxMemoryMb', after.memoryMb],
    ['maxDiskMb', after.diskMb],
  ];
  for (const [limit, value] of checks) {
    const max = limits[limit];
    if (max !== undefined && value > max) {
      throw new RavelError('QUOTA_EXCEEDED', `${limit} is ${max}; this would make it ${value}`, { details: { limit, max, wouldBe: value } });
    }
  }
}
