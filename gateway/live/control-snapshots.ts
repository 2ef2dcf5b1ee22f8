/**
 * Live snapshots from the control plane: the organization's applications with their VMs'
 * states, the hosts those VMs run on, and its newest events, as the principal may see them.
 */
import { isRavelError } from '../../core/errors.ts';
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
  readonly vms: ReadonlyArray<{
    key: string;
    id: unknown;
    name: string;
    state?: string;
    hostId?: string;
  }>;
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

/**
 * Clients that connect together (a reconnect storm after a restart) as the same principal at the
 * same sequence share one read of the control plane.
 */
export function controlSnapshots(control: ControlPlane): LiveSnapshotSource {
  const inFlight = new Map<string, Promise<LiveSnapshot>>();
  return {
    snapshot(principal: Principal, seq: number): Promise<LiveSnapshot> {
      const key = `${principal.id}@${seq}`;
      let p = inFlight.get(key);
      if (p === undefined) {
        p = readSnapshot(control, principal, seq).finally(() => inFlight.delete(key));
        inFlight.set(key, p);
      }
      return p;
    },
  };
}

async function readSnapshot(
  control: ControlPlane,
  principal: Principal,
  seq: number,
): Promise<LiveSnapshot> {
  const p = controlPrincipal(principal);
  const summaries = await control.listApplications(p);
  // One deleted between the list and its read is left out.
  const apps = await Promise.all(
    summaries.map((s) =>
      control.getApplication(p, s.id).catch((e: unknown) => {
        if (isRavelError(e, 'NOT_FOUND')) return undefined;
        throw e;
      }),
    ),
  );
  const applications = apps.filter((a) => a !== undefined).map(liveApplication);
  const hosts = new Map<string, { hostId: string; region: string }>();
  for (const a of applications)
    for (const v of a.vms)
      if (v.hostId !== undefined && a.region !== undefined)
        hosts.set(v.hostId, { hostId: v.hostId, region: a.region });
  const { notifications } = await control.searchNotifications(p, { maxResults: RECENT_EVENTS });
  // Newer events than `seq` follow as events; the snapshot stops at it.
  const events = notifications
    .filter((e) => e.sequence <= seq)
    .sort((a, b) => a.sequence - b.sequence);
  return { seq, applications, hosts: [...hosts.values()], events };
}
