/** IPv4 addresses as unsigned 32-bit integers, and subnets as network plus prefix length. */
import { RavelError } from '../../core/errors.ts';

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new RavelError('INVALID_ARGUMENT', `not an IPv4 address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    const b = Number(p);
    if (!/^\d{1,3}$/.test(p) || b > 255) throw new RavelError('INVALID_ARGUMENT', `not an IPv4 address: ${ip}`);
    n = n * 256 + b;
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Subnet {
  /** The network address as an integer. */
  readonly network: number;
  readonly prefix: number;
}

/** The prefix length of a contiguous netmask such as 255.255.255.0; INVALID_ARGUMENT otherwise. */
export function maskToPrefix(mask: string): number {
  const m = ipToInt(mask);
  const prefix = 32 - Math.log2((~m >>> 0) + 1);
  if (!Number.isInteger(prefix)) throw new RavelError('INVALID_ARGUMENT', `not a contiguous netmask: ${mask}`);
  return prefix;
}

export function subnetOf(ip: string, prefix: number): Subnet {
  const size = 2 ** (32 - prefix);
  return { network: Math.floor(ipToInt(ip) / size) * size, prefix };
}

export function parseCidr(cidr: string): Subnet {
  const [ip, p] = cidr.split('/');
  const prefix = Number(p);
  if (ip === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new RavelError('INVALID_ARGUMENT', `not a CIDR: ${cidr}`);
  return subnetOf(ip, prefix);
}

export function formatCidr(s: Subnet): string {
  return `${intToIp(s.network)}/${s.prefix}`;
}

/** First and last address of the subnet, network and broadcast included. */
export function subnetBounds(s: Subnet): [number, number] {
  return [s.network, s.network + 2 ** (32 - s.prefix) - 1];
}

export function subnetContains(s: Subnet, ip: number): boolean {
  const [lo, hi] = subnetBounds(s);
  return ip >= lo && ip <= hi;
}
