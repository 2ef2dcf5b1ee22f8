/**
 * Withdrawals of a placement key tried again. A repair whose placement answer was lost asks the
 * region to withdraw the key (giving back whatever room it holds); when that ask fails too (the
 * region or a host unreachable a while), the room would stay held for nobody. So the withdrawal
 * is kept as a durable reminder of its own, carrying the region and the key, and tried again
 * every minute until the region answers. The region remembers a key for an hour
 * (region-placements.ts); past that it can no longer tell what the key held, so the tries stop a
 * little before, with an error logged.
 */
import { toRavelError } from '../../../core/errors.ts';
import type { Reminder } from '../../actor-kind.ts';
import { regionRef, type RegionMsg } from '../region/region-kind.ts';
import type { Ctx } from './application-design.ts';

export const WITHDRAW_REMINDER_PREFIX = 'withdraw:';
export const WITHDRAW_RETRY_MS = 60_000;
/** Before the region's memo forgets the key (an hour). */
export const WITHDRAW_GIVE_UP_MS = 50 * 60_000;

interface Withdrawal {
  readonly region: string;
  readonly key: string;
  readonly applicationId: number;
  /** No try after this. */
  readonly until: number;
}

/** Asks the region to withdraw `key`; if it cannot answer now, keeps asking (the reminder). */
export async function withdrawPlacement(ctx: Ctx, region: string, key: string, applicationId: number): Promise<void> {
  const now = ctx.clock.now();
  await tryWithdrawal(ctx, { region, key, applicationId, until: now + WITHDRAW_GIVE_UP_MS });
}

/** The reminder's turn: one more try. */
export async function retryWithdrawal(ctx: Ctx, reminder: Reminder): Promise<void> {
  const w = asWithdrawal(reminder.data);
  if (w === undefined) {
    ctx.log.error({ reminder: reminder.name }, 'placement withdrawal reminder without its region and key: dropped');
    return;
  }
  await tryWithdrawal(ctx, w);
}

async function tryWithdrawal(ctx: Ctx, w: Withdrawal): Promise<void> {
  try {
    await ctx.actors.ask<null, RegionMsg>(regionRef(w.region), { type: 'withdrawPlacement', key: w.key, applicationId: w.applicationId });
  } catch (e) {
    const next = ctx.clock.now() + WITHDRAW_RETRY_MS;
    if (next > w.until) {
      ctx.log.error({ err: toRavelError(e), application: w.applicationId, key: w.key }, 'placement not withdrawn within the region’s memory: the room it may hold is held for nobody');
      return;
    }
    ctx.log.warn({ err: toRavelError(e), application: w.applicationId, key: w.key }, 'placement not withdrawn yet: trying again');
    ctx.reminders.set(`${WITHDRAW_REMINDER_PREFIX}${w.key}`, next, w);
  }
}

/** Reminder data comes back from storage: checked, not trusted. */
function asWithdrawal(data: unknown): Withdrawal | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const { region, key, applicationId, until } = d;
  if (typeof region !== 'string' || typeof key !== 'string' || typeof applicationId !== 'number' || typeof until !== 'number') return undefined;
  return { region, key, applicationId, until };
}
