/**
 * The room audit: a host's reservations checked against their applications, the source of truth
 * for where each VM is. Every path that takes room gives it back when its turn is refused, and a
 * lost answer has its key withdrawn; what still escapes (a turn dropped after its placement with
 * the client never retrying it, a give-back or withdrawal that kept failing) would otherwise hold
 * room for nobody for as long as the host lives. So every AUDIT_EVERY_MS a host asks each
 * application with a VM reserved on it before AUDIT_GRACE_MS ago which of those VMs it holds
 * there (`roomHeld`, a read), and gives back the rest.
 *
 * Why it cannot take room a VM needs: the grace is longer than the region remembers a placement
 * key (region-placements.ts, an hour), so no retried turn can still be answered a placement
 * using the room; newer reservations, those of turns that may not have committed yet, are
 * spared. A turn of the application is serial with its answer (the read sees what committed),
 * and a turn placing a VM here after the answer reserves through this host, whose mailbox waits
 * for the audit's turn: the release comes first, and the reservation takes room anew. An
 * application that does not answer in AUDIT_ASK_MS keeps its room until the next audit: the
 * audit must not hold the host's mailbox (a placement may be waiting on it, and its application
 * on the placement).
 */
import { toRavelError } from '../../../core/errors.ts';
import { releaseVms, reservedBefore, type HostState } from '../../../domain/host/host-model.ts';
import type { ActorContext } from '../../actor-kind.ts';

export const ROOM_AUDIT_REMINDER = 'room-audit';
export const AUDIT_EVERY_MS = 15 * 60_000;
/** Longer than a placement key is remembered (PLACEMENT_MEMO_MS, an hour). */
export const AUDIT_GRACE_MS = 65 * 60_000;
export const AUDIT_ASK_MS = 5_000;

interface RoomHeldMsg {
  readonly type: 'roomHeld';
  readonly host: string;
  readonly vmKeys: readonly string[];
}

/** Arms the next audit unless one is armed. */
export function armRoomAudit<S>(ctx: ActorContext<S>): void {
  if (ctx.reminders.get(ROOM_AUDIT_REMINDER) === undefined) ctx.reminders.set(ROOM_AUDIT_REMINDER, ctx.clock.now() + AUDIT_EVERY_MS);
}

/**
 * One audit of `h`: the host with the room nobody holds given back (the same object when there is
 * none), and the next audit armed while the host is UP.
 */
export async function auditRoom<S>(ctx: ActorContext<S>, h: HostState): Promise<HostState> {
  if (h.status !== 'UP') return h;
  const now = ctx.clock.now();
  ctx.reminders.set(ROOM_AUDIT_REMINDER, now + AUDIT_EVERY_MS);
  const asked = [...reservedBefore(h, now - AUDIT_GRACE_MS)];
  const answers = await Promise.allSettled(
    asked.map(async ([app, vmKeys]) => {
      const msg: RoomHeldMsg = { type: 'roomHeld', host: h.id, vmKeys };
      const held = await ctx.actors.ask<string[], RoomHeldMsg>({ kind: 'application', id: String(app) }, msg, { timeoutMs: AUDIT_ASK_MS, readOnly: true });
      return { app, unheld: vmKeys.filter((k) => !held.includes(k)) };
    }),
  );
  let next = h;
  for (const [i, a] of answers.entries()) {
    if (a.status === 'rejected') {
      ctx.log.warn({ err: toRavelError(a.reason), host: h.id, application: asked[i]?.[0] }, 'room audit: the application did not answer; asked again at the next audit');
      continue;
    }
    if (a.value.unheld.length === 0) continue;
    ctx.log.warn({ host: h.id, application: a.value.app, vms: a.value.unheld }, 'room audit: room held for VMs their application does not place here, given back');
    next = releaseVms(next, a.value.unheld.map((vmKey) => ({ applicationId: a.value.app, vmKey })), now);
  }
  return next;
}
