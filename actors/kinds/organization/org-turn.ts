/**
 * What every organization handler does around its own logic: check the principal against this
 * organization, take server ids from the block (refilling it from `id-sequence`), and commit a
 * new state together with the events it causes (staged in the outbox, drained after the write).
 */
import { RavelError } from '../../../core/errors.ts';
import type { ScryptParams } from '../../../domain/tenancy/password.ts';
import { authorizeOrThrow } from '../../../domain/tenancy/authorize.ts';
import type { Action, Principal, ResourceType } from '../../../domain/tenancy/principal.ts';
import { scheduleDrain, stageEvents, type StagedEvent } from '../../../events/event-outbox.ts';
import type { TenantEventLog } from '../../../events/tenant-event-log.ts';
import type { ActorContext } from '../../actor-kind.ts';
import { SERVER_IDS, type IdRange, type IdSequenceMsg } from './id-sequence-kind.ts';
import { ID_BLOCK, type ActiveOrganization, type OrganizationState } from './organization-state.ts';

/** What the organization kind is built with. */
export interface OrganizationDeps {
  readonly events: TenantEventLog;
  /** Cheaper parameters in tests; the default (OWASP's minimum) otherwise. */
  readonly scrypt?: ScryptParams;
  readonly sessionTtlMs?: number;
  readonly maxElasticIpsPerOrganization?: number;
}

export type OrgCtx = ActorContext<OrganizationState>;

/** The active organization, or NOT_FOUND: a missing tenant looks like any missing object. */
export function active(ctx: OrgCtx): ActiveOrganization {
  const s = ctx.state;
  if (s.status !== 'active') throw new RavelError('NOT_FOUND', 'no such organization');
  return s;
}

export interface Target {
  readonly id?: number;
  readonly userId?: number;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** Throws NOT_FOUND, PERMISSION_DENIED or UNAUTHENTICATED unless `p` may do `action` here. */
export function allow(ctx: OrgCtx, org: ActiveOrganization, p: Principal, action: Action, type: ResourceType, target: Target = {}): void {
  authorizeOrThrow(p, action, { type, organizationId: org.organization.id, ...target }, ctx.clock.now());
}

/** An event as a handler names it; the principal and time are the turn's. */
export type Change = Omit<StagedEvent, 'principal' | 'time'>;

/** Sets the new state with its events staged, and arms the drain. */
export function commit(ctx: OrgCtx, next: ActiveOrganization, principal: Principal, changes: readonly Change[]): void {
  const now = ctx.clock.now();
  if (changes.length === 0) {
    ctx.setState(next);
    return;
  }
  ctx.setState({ ...next, outbox: stageEvents(next.outbox, changes.map((c) => ({ ...c, principal, time: now }))) });
  scheduleDrain(ctx.reminders, now);
}

/** Makes sure the block holds at least `n` ids, taking a new block when it does not. */
export async function withIds(ctx: OrgCtx, org: ActiveOrganization, n = 1): Promise<ActiveOrganization> {
  if (org.ids.count >= n) return org;
  const block = await ctx.actors.ask<IdRange, IdSequenceMsg>(SERVER_IDS, { type: 'take', count: Math.max(ID_BLOCK, n) });
  return { ...org, ids: block };
}

export const subject = (type: string, id: number | string): { type: string; id: string } => ({ type, id: String(id) });
