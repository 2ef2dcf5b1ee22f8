/** What a design may ask for; the service's configuration may narrow these. */
export interface DesignLimits {
  readonly minCpus: number;
  readonly maxCpus: number;
  readonly minMemoryMb: number;
  readonly maxMemoryMb: number;
  readonly minDiskMb: number;
  readonly maxDiskMb: number;
}

export const defaultDesignLimits: DesignLimits = {
  minCpus: 1,
  maxCpus: 32,
  minMemoryMb: 256,
  maxMemoryMb: 256 * 1024,
  minDiskMb: 1,
  maxDiskMb: 4 * 1024 * 1024,
};
