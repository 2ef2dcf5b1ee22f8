/**
 * Placing anew, when they start, the stopped VMs that have no host: a stopped VM whose host died
 * was taken off it (application-repair.ts), its disks being in the image store. Starting it
 * places it in the region and defines it there to boot once defined, as a publish would.
 */
import { createHash } from 'node:crypto';
import { RavelError } from '../../../core/errors.ts';
import { idKey, sizeInMb, type Deployment, type VmDeployment } from '../../../domain/schemas/index.ts';
import type { Placement } from '../../../domain/placement/placement-types.ts';
import { action, transitionVmOrThrow } from '../../../domain/vm/vm-state-machine.ts';
import { regionRef, type RegionMsg } from '../region/region-kind.ts';
import type { Ctx, Live } from './application-design.ts';
import type { VmChange } from './application-vm-transitions.ts';

/**
 * The key placing `vms` anew places under, in the region's memo (region-placements.ts). A retried
 * turn sees the same outbox sequence and places the same VMs, hence the same key, and is answered
 * the room its first try holds (a crash gives nothing back). The key names the VMs (a bounded
 * digest of their sorted ids): a different start at the same sequence, after one dropped before
 * its commit (one VM's, then the application's), is not answered the other's placement, which
 * would leave the VMs it did not name with no host.
 */
function placeAnewKey(s: Live, vms: readonly VmDeployment[]): string {
  const digest = createHash('sha256').update(JSON.stringify(vms.map((v) => idKey(v.id)).sort())).digest('base64url').slice(0, 22);
  return `place-anew:${s.app.id}:${s.outbox.lastLocalSeq}:${digest}`;
}

/** A VM placed anew this turn under `key`: its room on `hostId` goes back if the turn is refused. */
export interface PlacedAnew {
  readonly vm: VmDeployment;
  readonly hostId: string;
  readonly key: string;
}

/**
 * `changes` with every boot of a hostless VM turned into a provision on a host placed now (to
 * start once defined), and the state with those hosts; each VM placed is noted in `placed`, for
 * a turn refused later to give its room back and have the region forget the key first. A region
 * without room refuses (UNAVAILABLE) and nothing changes.
 */
export async function placeHostless(ctx: Ctx, s: Live, changes: readonly VmChange[], placed: PlacedAnew[]): Promise<{ state: Live; changes: VmChange[] }> {
  const dep: Deployment | undefined = s.app.deployment;
  // Other commands need the VM defined somewhere (resetDisks redefines it where it is): refused.
  const onNoHost = new Set(dep?.vms.filter((v) => v.hostId === undefined).map((v) => idKey(v.id)) ?? []);
  const stuck = changes.find((c) => onNoHost.has(idKey(c.id)) && c.commands.some((hc) => hc !== 'boot' && hc !== 'reprovision'));
  if (stuck !== undefined) {
    throw new RavelError('ILLEGAL_STATE', `VM ${idKey(stuck.id)} has no host since its host was lost: start it first`, { details: { vmId: idKey(stuck.id), commands: stuck.commands } });
  }
  const booting = new Set(changes.filter((c) => c.commands.includes('boot')).map((c) => idKey(c.id)));
  const hostless = dep?.vms.filter((v) => v.hostId === undefined && booting.has(idKey(v.id))) ?? [];
  if (dep === undefined || hostless.length === 0) return { state: s, changes: [...changes] };
  const key = placeAnewKey(s, hostless);
  const msg: RegionMsg = {
    type: 'place',
    applicationId: s.app.id,
    vms: hostless.map((v) => ({ vmKey: idKey(v.id), cpus: v.numCpus, memoryMb: sizeInMb(v.memorySize) })),
    optimization: dep.optimizationLevel,
    key,
  };
  const placement = await ctx.actors.ask<Placement, RegionMsg>(regionRef(dep.regionName), msg);
  const hostOf = new Map(placement.assignments.map((a) => [a.vmKey, a.hostId]));
  const vms = dep.vms.map((v) => {
    const hostId = hostOf.get(idKey(v.id));
    if (hostId === undefined) return v;
    placed.push({ vm: v, hostId, key });
    return { ...v, hostId };
  });
  const provision = transitionVmOrThrow('STOPPED', action('publish'));
  const next = changes.map((c): VmChange => (hostOf.has(idKey(c.id)) ? { id: c.id, to: provision.state, commands: provision.commands, startAfter: true } : c));
  return { state: { ...s, app: { ...s.app, deployment: { ...dep, vms } } }, changes: next };
}
