/**
 * Live snapshots from the control plane: the organization's applications with their VMs'
 * states, the hosts those VMs run on, and its newest events, as the principal may see them.
 */
import type { ControlPlane } from '../../control/control-plane.ts';
import type { Application } from '../../domain/schemas/index.ts';
import { idKey } from '../../domain/schemas/index.ts';
import { controlPrincipal } from '../auth/control-authenticator.ts';
import type { Principal } from '../http/route.ts';
import type { LiveSnapshot, LiveSnapshotSource } from './live-events.ts';

/** How many of the newest events a snapshot carries. */
const RECENT_EVENTS = 50;

export interface LiveApplication {
  readonly id: number;
  readonly name: string;
  readonly published: boolean;
  readonly nextStopTime?: number;
  readonly region?: string;
  /** `key` is the VM id as a decimal string: ids up to 2^63 do not survive a browser's JSON.parse. */
  readonly vms: ReadonlyArray<{ key: string; id: unknown; name: string; state?: string; hostId?: string }>;
}

export function liveApplication(app: Application): LiveApplication {
  const deployed = app.deployment?.vms;
  const vms =
    deployed?.map((v) => ({
      key: idKey(v.id),
      id: v.id,
      name: v.name,
      state: v.state,
      ...(v.hostId === undefined ? {} : { hostId: v.hostId }),
    })) ?? app.design.vms.map((v) => ({ key: idKey(v.id), id: v.id, name: v.name }));
  return {
    id: app.id,
    name: app.name,
    published: app.published,
    ...(app.nextStopTime === undefined ? {} : { nextStopTime: app.nextStopTime }),
    ...(app.deployment === undefined ? {} : { region: app.deployment.regionName }),
    vms,
  };
}

export function controlSnapshots(control: ControlPlane): LiveSnapshotSource {
  return {
    async snapshot(principal: Principal, seq: number): Promise<LiveSnapshot> {
      const p = controlPrincipal(principal);
      const summaries = await control.listApplications(p);
      const apps = await Promise.all(summaries.map((s) => control.getApplication(p, s.id)));
      const applications = apps.map(liveApplication);
      const hosts = new Map<string, { hostId: string; region: string }>();
      for (const a of applications)
        for (const v of a.vms)
          if (v.hostId !== undefined && a.region !== undefined) hosts.set(v.hostId, { hostId: v.hostId, region: a.region });
      const { notifications } = await control.searchNotifications(p, { maxResults: RECENT_EVENTS });
      // Newer events than `seq` follow as events; the snapshot stops at it.
      const events = notifications.filter((e) => e.sequence <= seq).sort((a, b) => a.sequence - b.sequence);
      return { seq, applications, hosts: [...hosts.values()], events };
    },
  };
}
