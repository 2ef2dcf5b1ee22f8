/**
 * Regions as configured: names, prices per CPU-hour and GB-hour, host size and how many hosts
 * each rents. Compiled once; a bad value is CONFIG_INVALID with its path.
 */
import { Type, type Static } from '@sinclair/typebox';
import { RavelError } from '../core/errors.ts';
import { fits } from '../hvx/vm-spec.ts';
import type { RegionInfo } from './cloud-provider.ts';

const strict = { additionalProperties: false } as const;
const Price = Type.Number({ minimum: 0, maximum: 1e6 });

export const RegionsSchema = Type.Array(
  Type.Object(
    {
      name: Type.String({ pattern: '^[a-z0-9-]{1,64}$' }),
      pricePerCpuHour: Price,
      pricePerGbHour: Price,
      hostSize: Type.Object(
        { cpus: Type.Integer({ minimum: 1 }), memoryMb: Type.Integer({ minimum: 1 }) },
        strict,
      ),
      maxHosts: Type.Integer({ minimum: 0, maximum: 100_000 }),
      /** The region's public addresses (elastic IPs, published services); none: no public IPs there. */
      publicCidr: Type.Optional(Type.String({ pattern: '^(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$' })),
    },
    strict,
  ),
  { minItems: 1 },
);

export type RegionsConfig = Static<typeof RegionsSchema>;

export function compileRegions(input: unknown): readonly RegionInfo[] {
  let regions: RegionsConfig;
  try {
    regions = fits(RegionsSchema, input);
  } catch (e) {
    throw new RavelError('CONFIG_INVALID', `regions${(e as RavelError).message}`, { cause: e });
  }
  const names = new Set(regions.map((r) => r.name));
  if (names.size !== regions.length)
    throw new RavelError('CONFIG_INVALID', 'regions: names must be unique', { details: { path: 'regions' } });
  return regions;
}

/** Hourly price of a host of `size` in `region`. */
export function hostPrice(region: RegionInfo, size = region.hostSize): number {
  return size.cpus * region.pricePerCpuHour + (size.memoryMb / 1024) * region.pricePerGbHour;
}

/** Regions for demos and embedded mode (the configuration's default). */
export const defaultRegions: readonly RegionInfo[] = [
  {
    name: 'us-east-1',
    pricePerCpuHour: 0.02,
    pricePerGbHour: 0.004,
    hostSize: { cpus: 32, memoryMb: 131072 },
    maxHosts: 1000,
    publicCidr: '198.51.100.0/24',
  },
  {
    name: 'eu-west-1',
    pricePerCpuHour: 0.022,
    pricePerGbHour: 0.0045,
    hostSize: { cpus: 32, memoryMb: 131072 },
    maxHosts: 1000,
    publicCidr: '203.0.113.0/24',
  },
];
