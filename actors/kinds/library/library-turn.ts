/**
 * What every library handler does around its own logic: check the principal against the
 * organization, take server ids (blocks from `id-sequence`), reach the image store, and commit
 * a new state with its events queued for the organization.
 */
import { RavelError } from '../../../core/errors.ts';
import type { ImageService } from '../../../storage-engine/image-service/image-service.ts';
import { authorizeOrThrow } from '../../../domain/tenancy/authorize.ts';
import { imageTenantOf } from '../../../domain/tenancy/image-tenant.ts';
import type { Action, Principal, ResourceType } from '../../../domain/tenancy/principal.ts';
import { forward, scheduleDrain, type StagedEvent } from '../../../events/event-outbox.ts';
import type { ActorContext } from '../../actor-kind.ts';
import { SERVER_IDS, type IdRange, type IdSequenceMsg } from '../organization/id-sequence-kind.ts';
import { organizationOfLibrary, type LibraryState } from './library-state.ts';

export interface LibraryDeps {
  /** The image store (a client over the bus, or the local service); absent: store calls are UNAVAILABLE. */
  readonly images?: ImageService;
  /** Between tries of a save whose store call failed; default 5 s, times the attempt. */
  readonly retryMs?: number;
  /** Tries before a save is FAILED; default 5. */
  readonly maxAttempts?: number;
}

export type LibCtx = ActorContext<LibraryState>;

export const organizationOf = (ctx: LibCtx): number => organizationOfLibrary(ctx.self.id);

/** The image store's tenant of this organization: the same name uploads import under. */
export const storeTenant = (ctx: LibCtx): string => imageTenantOf(organizationOf(ctx));

export function store(deps: LibraryDeps): ImageService {
  if (deps.images === undefined) throw new RavelError('UNAVAILABLE', 'this node has no image store configured');
  return deps.images;
}

/** Throws NOT_FOUND, PERMISSION_DENIED or UNAUTHENTICATED unless `p` may do `action` here. */
export function allow(ctx: LibCtx, p: Principal, action: Action, type: ResourceType, id?: number): void {
  authorizeOrThrow(p, action, { type, organizationId: organizationOf(ctx), ...(id === undefined ? {} : { id }) }, ctx.clock.now());
}

export function find<T extends { id: number }>(items: readonly T[], id: number, what: string): T {
  const x = items.find((i) => i.id === id);
  if (x === undefined) throw new RavelError('NOT_FOUND', `no ${what} ${id}`);
  return x;
}

export type Change = Omit<StagedEvent, 'principal' | 'time'>;

/** Sets the new state with its events queued for the organization, and arms the hand-over. */
export function commit(ctx: LibCtx, next: LibraryState, p: Principal, changes: readonly Change[]): void {
  const now = ctx.clock.now();
  if (changes.length === 0) return ctx.setState(next);
  ctx.setState({ ...next, outbox: forward(next.outbox, changes.map((c) => ({ ...c, principal: p, time: now }))) });
  scheduleDrain(ctx.reminders, now);
}

/** `n` fresh server ids, refilling the block from `id-sequence` when it runs short. */
export async function takeIds(ctx: LibCtx, s: LibraryState, n: number): Promise<{ state: LibraryState; ids: number[] }> {
  let ids = s.ids;
  if (ids.count < n) ids = await ctx.actors.ask<IdRange, IdSequenceMsg>(SERVER_IDS, { type: 'take', count: Math.max(64, n) });
  const out = Array.from({ length: n }, (_, i) => ids.first + i);
  return { state: { ...s, ids: { first: ids.first + n, count: ids.count - n } }, ids: out };
}

export const subject = (type: string, id: number): { type: string; id: string } => ({ type, id: String(id) });
