/** Every actor kind the control plane needs, built with their dependencies, for `ActorSystem.register`. */
import type { AnyActorKind } from '../actors/actor-kind.ts';
import { applicationKind } from '../actors/kinds/application/application-kind.ts';
import { idSequenceKind } from '../actors/kinds/organization/id-sequence-kind.ts';
import { orgDirectoryKind } from '../actors/kinds/organization/org-directory-kind.ts';
import { organizationKind, type OrganizationDeps } from '../actors/kinds/organization/organization-kind.ts';
import { regionIpsKind, type RegionCidrs } from '../actors/kinds/organization/region-ips-kind.ts';

export interface ControlKindsOptions extends OrganizationDeps {
  /** Each region's public CIDR, for elastic IPs. */
  readonly regions: RegionCidrs;
}

export function controlKinds(o: ControlKindsOptions): AnyActorKind[] {
  return [organizationKind(o), orgDirectoryKind(), idSequenceKind(), regionIpsKind(o.regions), applicationKind()];
}
