/**
 * Deleting an application. A draft just leaves a tombstone. A published one is taken down
 * first: every VM powered off and undefined on its host (its disks there go with it), the
 * hosts' room and its public addresses released, elastic IPs bound to it detached, its
 * reminders cancelled; the commands go straight to the hosts' queues
 * in this turn, since a tombstone keeps no queue (a retried turn resends the same ids, applied
 * once). Its disks in the image store are deleted by the library (a retried turn finds none
 * left); the store collects the blocks no other version needs. The event names the VMs released.
 */
import { RavelError } from '../../../core/errors.ts';
import { idKey } from '../../../domain/schemas/index.ts';
import { sendCommand } from '../../../hvx/host-provisioning.ts';
import { commit, visible, type Ctx, type Msg } from './application-design.ts';
import type { ApplicationDeploymentDeps } from './application-deployment.ts';
import { releaseHostRoom, retireCommandsOf } from './application-retire.ts';
import { detachElasticIps, releaseExposures } from './application-exposure.ts';
import { releaseUsage } from './application-usage.ts';
import { libraryRef } from '../library/library-kind.ts';
import type { LibraryMsg } from '../library/library-messages.ts';

/** The library deletes the application's disks in the store; answers how many it had. */
function releaseDisks(ctx: Ctx, organizationId: number, applicationId: number): Promise<number> {
  const msg: Extract<LibraryMsg, { type: 'releaseApplicationDisks' }> = { type: 'releaseApplicationDisks', principal: { kind: 'system' }, applicationId };
  return ctx.actors.ask<number, typeof msg>(libraryRef(organizationId), msg);
}

export async function remove(ctx: Ctx, m: Msg<'delete'>, deps: ApplicationDeploymentDeps | undefined): Promise<null> {
  const s = visible(ctx, m.principal, 'DELETE');
  const vms = s.app.deployment?.vms ?? [];
  if (vms.length > 0 || s.runtime !== null) {
    if (deps === undefined) throw new RavelError('UNAVAILABLE', 'this node places no applications: it cannot take this one off its hosts');
    const commands = [...(s.runtime?.outgoing ?? []), ...retireCommandsOf(s, vms, ctx.clock.now())];
    for (const c of commands) await sendCommand(deps.bus, c);
    await releaseHostRoom(ctx, s.app.id, vms);
    if (s.app.deployment !== undefined) await releaseExposures(ctx, s.app.deployment.regionName, vms);
  }
  await releaseDisks(ctx, s.organizationId, s.app.id);
  await releaseUsage(ctx, s);
  await detachElasticIps(ctx, s);
  for (const r of ctx.reminders.list()) ctx.reminders.cancel(r.name);
  const details = vms.length === 0 ? {} : { vms: vms.map((v) => idKey(v.id)), hosts: [...new Set(vms.flatMap((v) => (v.hostId === undefined ? [] : [v.hostId])))] };
  commit(ctx, { status: 'deleted', organizationId: s.organizationId, outbox: s.outbox }, m.principal, ['APPLICATION_DELETED'], details);
  return null;
}
