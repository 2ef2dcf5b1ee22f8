/** The sim driver's timing model and host size, as configured. */
import { RavelError } from '../../../core/errors.ts';
import type { Resources } from '../../hypervisor.ts';

export interface SimTiming {
  /** Time from start to running. */
  readonly bootMs: number;
  /** Time from a graceful shutdown to stopped. */
  readonly shutdownMs: number;
  /** Each boot and shutdown takes its time moved by up to this much either way. */
  readonly jitterMs: number;
  /** Chance, 0 to 1, that a boot fails by itself. Default 0. */
  readonly bootFailureRate?: number;
  /** Seed of the jitter and failure draws. */
  readonly seed: number;
}

export interface SimHypervisorOptions {
  readonly capacity: Resources;
  readonly timing: SimTiming;
}

export const defaultSimTiming: SimTiming = { bootMs: 3000, shutdownMs: 1500, jitterMs: 500, seed: 1 };

export function checkSimOptions(o: SimHypervisorOptions): void {
  const t = o.timing;
  const bad = (what: string): RavelError => new RavelError('CONFIG_INVALID', `sim driver: ${what}`);
  for (const [k, v] of Object.entries({ bootMs: t.bootMs, shutdownMs: t.shutdownMs, jitterMs: t.jitterMs })) {
    if (!(Number.isFinite(v) && v >= 0)) throw bad(`${k} must be a number >= 0, got ${v}`);
  }
  const rate = t.bootFailureRate ?? 0;
  if (!(rate >= 0 && rate <= 1)) throw bad(`bootFailureRate must be within 0..1, got ${rate}`);
  if (!(Number.isSafeInteger(o.capacity.cpus) && o.capacity.cpus > 0)) throw bad('capacity.cpus must be a positive integer');
  if (!(Number.isSafeInteger(o.capacity.memoryMb) && o.capacity.memoryMb > 0)) throw bad('capacity.memoryMb must be a positive integer');
}
