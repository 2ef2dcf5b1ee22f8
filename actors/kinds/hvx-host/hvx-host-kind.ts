/**
 * `hvx-host`: one actor per HVX host, id = the host id. It holds the host's capacity, the VMs
 * reserved on it and its last heartbeat (domain/host/host-model.ts). A liveness reminder, re-armed
 * after every check, declares the host dead after `deadAfterMs` of silence and tells each
 * application that had a VM there (`hostLost`). A host dead, or empty for `releaseIdleAfterMs`,
 * is given up: its region releases it to the cloud (`hostGone`). A room audit reminder gives back
 * room reserved for VMs their application does not place here (room-audit.ts).
 *
 * Heartbeats write nothing durable: the last one heard is kept in memory (host-liveness.ts, which
 * says how a failover neither declares a live host dead nor hides a dead one) and written with
 * changes written anyway, at the latest by the liveness check that re-arms its reminder. The
 * reminder is durable, so a new activation is woken to check even when no heartbeat comes.
 */
import { match } from 'ts-pattern';
import { Type, type Static } from '@sinclair/typebox';
import { RavelError } from '../../../core/errors.ts';
import { checkHost, hostView, newHost, releaseVm, releaseVms, reserveVm, reserveVms, type HostState, type HostTimings } from '../../../domain/host/host-model.ts';
import type { HostView } from '../../../domain/placement/placement-types.ts';
import { parseInput, ServerId } from '../../../domain/schemas/index.ts';
import { defineActorKind, type ActorContext } from '../../actor-kind.ts';
import { hear, lastHeard, silentSince, succeed } from './host-liveness.ts';
import { armRoomAudit, auditRoom, ROOM_AUDIT_REMINDER } from './room-audit.ts';

const LIVENESS_REMINDER = 'liveness';

const Capacity = Type.Object({ cpus: Type.Integer({ minimum: 1 }), memoryMb: Type.Integer({ minimum: 1 }) });
const VmRef = { applicationId: ServerId, vmKey: Type.String({ minLength: 1, maxLength: 32 }) };

export const HvxHostMsgSchema = Type.Union([
  /** From the region: the host joins its inventory. Again: no change. */
  Type.Object({ type: Type.Literal('register'), region: Type.String({ minLength: 1, maxLength: 64 }), capacity: Capacity }),
  /** From the region's placement: room for one VM. */
  Type.Object({ type: Type.Literal('reserve'), ...VmRef, cpus: Type.Integer({ minimum: 0 }), memoryMb: Type.Integer({ minimum: 0 }) }),
  Type.Object({ type: Type.Literal('release'), ...VmRef }),
  /**
   * From the region's placement: room for every VM of one application placed here, all or none,
   * in one turn and one durable write (placing an application costs a write per host, not per VM).
   */
  Type.Object({ type: Type.Literal('reserveMany'), applicationId: ServerId, vms: Type.Array(Type.Object({ vmKey: VmRef.vmKey, cpus: Type.Integer({ minimum: 0 }), memoryMb: Type.Integer({ minimum: 0 }) }), { minItems: 1, maxItems: 1024 }) }),
  /** Gives back what a `reserveMany` took (a placement undone). */
  Type.Object({ type: Type.Literal('releaseMany'), applicationId: ServerId, vmKeys: Type.Array(VmRef.vmKey, { minItems: 1, maxItems: 1024 }) }),
  /** From the bridge: the agent spoke; `at` is the control plane's time of receipt. */
  Type.Object({ type: Type.Literal('heartbeat'), at: Type.Integer({ minimum: 0 }) }),
  /** What placement sees; null for a host never registered. */
  Type.Object({ type: Type.Literal('view') }),
  Type.Object({ type: Type.Literal('get') }),
]);
export type HvxHostMsg = Static<typeof HvxHostMsgSchema>;

export type HvxHostState = { readonly status: 'absent' } | { readonly status: 'known'; readonly host: HostState };

/** What the application actor takes from a host that died. */
export type HostLostMsg = { readonly type: 'hostLost'; readonly host: string; readonly vmKeys: readonly string[] };

export function hvxHostRef(hostId: string): { kind: 'hvx-host'; id: string } {
  return { kind: 'hvx-host', id: hostId };
}

type Ctx = ActorContext<HvxHostState>;

function known(ctx: Ctx): HostState {
  if (ctx.state.status !== 'known') throw new RavelError('NOT_FOUND', `no host ${ctx.self.id}`);
  return ctx.state.host;
}

/** Sets the host's new state, with the last heartbeat heard (host-liveness.ts). */
function setHost(ctx: Ctx, host: HostState): HostState {
  const next = succeed(ctx.state.status === 'known' ? ctx.state.host : undefined, host, ctx.clock.now());
  ctx.setState({ status: 'known', host: next });
  return next;
}

function armLiveness(ctx: Ctx, h: HostState, t: HostTimings): void {
  if (h.status === 'UP') ctx.reminders.set(LIVENESS_REMINDER, h.lastHeartbeat + t.deadAfterMs + 1);
  else ctx.reminders.cancel(LIVENESS_REMINDER);
}

/**
 * A reservation on the known host, stamped with the time, and the room audit armed (hosts
 * registered before it existed have none until they reserve).
 */
function reserving(ctx: Ctx, set: (h: HostState) => HostState, reserve: (h: HostState, at: number) => HostState): HostState {
  const before = known(ctx);
  const after = set(reserve(before, ctx.clock.now()));
  if (after !== before) armRoomAudit(ctx);
  return after;
}

/** Tells the region to give the host back; keyed so a retried reminder tells it once. */
async function giveUp(ctx: Ctx, h: HostState): Promise<void> {
  await ctx.actors.tell({ kind: 'region', id: h.region }, { type: 'hostGone', hostId: h.id }, { idempotencyKey: `host-gone:${h.id}` });
}

function decodeHostState(stored: unknown): HvxHostState {
  const s = stored as { status?: unknown; host?: unknown } | null;
  if (s?.status === 'absent') return { status: 'absent' };
  if (s?.status === 'known' && typeof s.host === 'object' && s.host !== null) return s as HvxHostState;
  throw new RavelError('CORRUPT', 'bad hvx-host state');
}

/** When the host has been silent too long: DEAD, and every application with a VM there is told. */
async function checkLiveness(ctx: Ctx, t: HostTimings): Promise<void> {
  if (ctx.state.status !== 'known') return;
  const stored = ctx.state.host;
  const now = ctx.clock.now();
  const since = silentSince(stored, now, t.deadAfterMs);
  const c = checkHost({ ...stored, lastHeartbeat: since }, now, t);
  await match(c)
    .with({ kind: 'ok' }, async () => {
      // Re-arming the reminder is a write anyway: the last heartbeat heard goes with it.
      if (lastHeard(stored, now) > stored.lastHeartbeat) setHost(ctx, stored);
      if (stored.status === 'UP') ctx.reminders.set(LIVENESS_REMINDER, since + t.deadAfterMs + 1);
    })
    .with({ kind: 'release' }, async (r) => {
      setHost(ctx, r.host);
      armLiveness(ctx, r.host, t);
      await giveUp(ctx, r.host);
      ctx.log.info({ host: ctx.self.id }, 'idle host released');
    })
    .with({ kind: 'dead' }, async (d) => {
      setHost(ctx, d.host);
      armLiveness(ctx, d.host, t);
      const byApp = new Map<number, string[]>();
      for (const v of d.lostVms) byApp.set(v.applicationId, [...(byApp.get(v.applicationId) ?? []), v.vmKey]);
      for (const [app, vmKeys] of byApp) {
        const msg: HostLostMsg = { type: 'hostLost', host: ctx.self.id, vmKeys };
        await ctx.actors.tell({ kind: 'application', id: String(app) }, msg, { idempotencyKey: `host-lost:${ctx.self.id}:${d.host.lastHeartbeat}` });
      }
      await giveUp(ctx, d.host);
      ctx.log.warn({ host: ctx.self.id, vms: d.lostVms.length }, 'host declared dead');
    })
    .exhaustive();
}

export function hvxHostKind(timings: HostTimings) {
  return defineActorKind<HvxHostState, HvxHostMsg, unknown>({
    name: 'hvx-host',
    schemaVersion: 1,
    initialState: () => ({ status: 'absent' }),
    decodeMessage: (raw) => parseInput(HvxHostMsgSchema, raw),
    decodeState: (stored) => decodeHostState(stored),
    handle(ctx, msg) {
      // An unchanged host (a retried reservation, a release of what is not there) writes nothing.
      const set = (host: HostState): HostState => (ctx.state.status === 'known' && ctx.state.host === host ? host : setHost(ctx, host));
      return match(msg)
        .with({ type: 'register' }, (m): HostState => {
          if (ctx.state.status === 'known') return ctx.state.host;
          const h = set(newHost(ctx.self.id, m.region, m.capacity, ctx.clock.now()));
          armLiveness(ctx, h, timings);
          armRoomAudit(ctx);
          return h;
        })
        .with({ type: 'reserve' }, (m): HostView => {
          const { applicationId, vmKey, cpus, memoryMb } = m;
          return hostView(reserving(ctx, set, (h, at) => reserveVm(h, { applicationId, vmKey, cpus, memoryMb, at })));
        })
        .with({ type: 'release' }, (m): HostView => hostView(set(releaseVm(known(ctx), m, ctx.clock.now()))))
        .with({ type: 'reserveMany' }, (m): HostView => hostView(reserving(ctx, set, (h, at) => reserveVms(h, m.vms.map((v) => ({ applicationId: m.applicationId, ...v, at }))))))
        .with({ type: 'releaseMany' }, (m): HostView => hostView(set(releaseVms(known(ctx), m.vmKeys.map((vmKey) => ({ applicationId: m.applicationId, vmKey })), ctx.clock.now()))))
        .with({ type: 'heartbeat' }, (m): null => {
          // Remembered, not written (see the header).
          if (ctx.state.status === 'known') hear(ctx.state.host, m.at, ctx.clock.now());
          return null;
        })
        .with({ type: 'view' }, (): HostView | null => (ctx.state.status === 'known' ? hostView(ctx.state.host) : null))
        .with({ type: 'get' }, (): HostState | null => (ctx.state.status === 'known' ? { ...ctx.state.host, lastHeartbeat: lastHeard(ctx.state.host, ctx.clock.now()) } : null))
        .exhaustive();
    },
    async onReminder(ctx, reminder) {
      if (reminder.name === LIVENESS_REMINDER) await checkLiveness(ctx, timings);
      else if (reminder.name === ROOM_AUDIT_REMINDER && ctx.state.status === 'known') {
        const h = ctx.state.host;
        const audited = await auditRoom(ctx, h);
        if (audited !== h) setHost(ctx, audited);
      }
    },
  });
}
