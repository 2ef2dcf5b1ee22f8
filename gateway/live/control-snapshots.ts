/**
 * Live snapshots from the control plane: the organization's applications with their VMs'
 * states and the hosts those VMs run on, as the principal may see them, and which of the
 * organization's events it may see (the hub reads them from the stream itself).
 */
import { isDeepStrictEqual } from 'node:util';
import { match } from 'ts-pattern';
import type { Clock } from '../../core/clock.ts';
import { isRavelError } from '../../core/errors.ts';
import type { ControlPlane } from '../../control/control-plane.ts';
import type { Application } from '../../domain/schemas/index.ts';
import { idKey } from '../../domain/schemas/index.ts';
import type { EventRecord } from '../../domain/events.ts';
import { eventVisibility } from '../../domain/tenancy/event-visibility.ts';
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';
import { controlPrincipal } from '../auth/control-authenticator.ts';
import type { Principal } from '../http/route.ts';
import { ALL_EVENTS, NO_EVENTS, type LiveEventFilter, type LiveObjects, type LiveSnapshotSource } from './live-events.ts';

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
 * The snapshot source over the control plane, with the same access rules as REST: the
 * applications come from the control plane's list and reads as the principal (an operator's
 * for the organization it names), and the events are those the one rule lets it see
 * (domain/tenancy/event-visibility.ts, as `POST /notifications/search`), worked out once per
 * subscription: an admin's or operator's filter is `all`, a scoped token's decides per event. Clients that connect
 * together (a reconnect storm after a restart) as the same principal at the same sequence share
 * one read of the control plane.
 */
export function controlSnapshots(control: ControlPlane, clock: Clock): LiveSnapshotSource {
  const inFlight = new Map<string, { readonly principal: Principal; readonly read: Promise<LiveObjects> }>();
  return {
    snapshot(principal: Principal, organization: string, seq: number): Promise<LiveObjects> {
      const key = `${principal.id}/${organization}@${seq}`;
      const shared = inFlight.get(key);
      // Only with the same permissions: a refilter after a change must not get the old read.
      if (shared !== undefined && isDeepStrictEqual(shared.principal, principal)) return shared.read;
      const read = readObjects(control, principal, organization).finally(() => {
        if (inFlight.get(key)?.read === read) inFlight.delete(key);
      });
      inFlight.set(key, { principal, read });
      return read;
    },
    eventFilter(principal: Principal, organization: string): LiveEventFilter {
      const organizationId = Number(organization);
      if (!Number.isSafeInteger(organizationId)) return NO_EVENTS;
      let p: DomainPrincipal;
      try {
        p = controlPrincipal(principal);
      } catch {
        return NO_EVENTS; // not from the control plane's authenticator: nothing to check it against
      }
      const v = eventVisibility(p, organizationId, clock.now());
      return match(v)
        .with({ kind: 'all' }, () => ALL_EVENTS)
        .with({ kind: 'none' }, () => NO_EVENTS)
        .with({ kind: 'some' }, (s): LiveEventFilter => ({ kind: 'some', key: s.key, sees: (e) => isRecord(e.data) && s.sees(e.data) }))
        .exhaustive();
    },
  };
}

async function readObjects(control: ControlPlane, principal: Principal, organization: string): Promise<LiveObjects> {
  const p = controlPrincipal(principal);
  const summaries = await control.listApplications(p, Number(organization));
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
  return { applications, hosts: [...hosts.values()] };
}

/** A live event's data from the tenant stream (events/live-event-source.ts); anything else is not seen by a filtered principal. */
function isRecord(data: unknown): data is EventRecord {
  if (typeof data !== 'object' || data === null) return false;
  const r = data as Partial<Record<keyof EventRecord, unknown>>;
  return typeof r.name === 'string' && typeof r.tenantId === 'number' && Array.isArray(r.subjects);
}
