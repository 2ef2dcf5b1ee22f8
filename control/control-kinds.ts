/** Every actor kind the control plane needs, built with their dependencies, for `ActorSystem.register`. */
import type { AnyActorKind } from '../actors/actor-kind.ts';
import type { Bus } from '../bus/bus.ts';
import type { CloudProvider } from '../cloud/cloud-provider.ts';
import type { HostTimings } from '../domain/host/host-model.ts';
import type { Region } from '../domain/placement/placement-types.ts';
import { applicationKind } from '../actors/kinds/application/application-kind.ts';
import { hvxHostKind } from '../actors/kinds/hvx-host/hvx-host-kind.ts';
import { regionKind } from '../actors/kinds/region/region-kind.ts';
import { idSequenceKind } from '../actors/kinds/organization/id-sequence-kind.ts';
import { orgDirectoryKind } from '../actors/kinds/organization/org-directory-kind.ts';
import { organizationKind, type OrganizationDeps } from '../actors/kinds/organization/organization-kind.ts';
import { regionIpsKind, type RegionCidrs } from '../actors/kinds/organization/region-ips-kind.ts';
import { libraryKind, type LibraryDeps } from '../actors/kinds/library/library-kind.ts';

export interface ControlKindsOptions extends OrganizationDeps {
  /** Each region's public CIDR, for elastic IPs. */
  readonly regions: RegionCidrs;
  /** Where applications are placed and run; absent: publishing answers UNAVAILABLE. */
  readonly deployment?: DeploymentOptions;
  /** The library's image store; absent: disk images, saves and blueprints answer UNAVAILABLE. */
  readonly library?: LibraryDeps;
}

export interface DeploymentOptions {
  /** The regions with their prices and host size (config). */
  readonly regions: readonly Region[];
  /** Commands to HVX hosts go on this bus's HVX_CMD queue. */
  readonly bus: Bus;
  /** When a silent host is declared dead; when an empty one is given back. */
  readonly hosts: HostTimings;
  /** Rents hosts when a region has no room, and takes back idle and dead ones; absent: operators add hosts. */
  readonly cloud?: CloudProvider;
}

export function controlKinds(o: ControlKindsOptions): AnyActorKind[] {
  const d = o.deployment;
  const base = [organizationKind(o), orgDirectoryKind(), idSequenceKind(), regionIpsKind(o.regions), libraryKind(o.library)];
  if (d === undefined) return [...base, applicationKind()];
  return [...base, applicationKind({ regions: d.regions, bus: d.bus }), regionKind(d.regions, d.cloud === undefined ? {} : { cloud: d.cloud }), hvxHostKind(d.hosts)];
}
