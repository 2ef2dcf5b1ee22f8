/**
 * Hourly prices from VM sizes and a region's prices (`calcPrice;design` and `;deployment`).
 * Money is counted in micro-units (millionths of the currency) as integers, so sums over many
 * VMs and hours never drift.
 */
import type { VmDesign } from '../schemas/vm.ts';
import { idKey, sizeInMb } from '../schemas/common.ts';
import type { Region } from '../placement/placement-types.ts';

export const MICROS = 1_000_000;

export interface VmPrice {
  readonly vmKey: string;
  readonly cpuMicrosPerHour: number;
  readonly memoryMicrosPerHour: number;
  readonly totalMicrosPerHour: number;
}

export interface PriceQuote {
  readonly region: string;
  readonly vms: readonly VmPrice[];
  readonly totalMicrosPerHour: number;
  /** The same in currency units, for display. */
  readonly totalPerHour: number;
}

/** One VM's hourly price in a region. */
export function vmPrice(vm: Pick<VmDesign, 'id' | 'numCpus' | 'memorySize'>, region: Pick<Region, 'pricePerCpuHour' | 'pricePerGbHour'>): VmPrice {
  const cpu = Math.round(vm.numCpus * region.pricePerCpuHour * MICROS);
  const memory = Math.round((sizeInMb(vm.memorySize) / 1024) * region.pricePerGbHour * MICROS);
  return { vmKey: idKey(vm.id), cpuMicrosPerHour: cpu, memoryMicrosPerHour: memory, totalMicrosPerHour: cpu + memory };
}

/** The hourly price of a set of VMs (a design, or a deployment's VMs) in a region. */
export function calcPrice(vms: readonly Pick<VmDesign, 'id' | 'numCpus' | 'memorySize'>[], region: Region): PriceQuote {
  const prices = vms.map((v) => vmPrice(v, region));
  const total = prices.reduce((s, p) => s + p.totalMicrosPerHour, 0);
  return { region: region.name, vms: prices, totalMicrosPerHour: total, totalPerHour: total / MICROS };
}
