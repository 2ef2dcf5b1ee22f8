/**
 * The regions this service offers and each one's public address range (elastic IPs and
 * published services draw from it). A documentation range until regions come from the
 * configuration with the cloud provider.
 */
import type { RavelConfig } from '../config/schema.ts';
import type { RegionCidrs } from '../actors/kinds/organization/region-ips-kind.ts';

export function regionCidrs(_config: RavelConfig): RegionCidrs {
  return { 'us-east-1': '198.51.100.0/24', 'eu-west-1': '203.0.113.0/24' };
}
