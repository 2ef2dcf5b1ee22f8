/**
 * What an application actor holds: its owner organization, the application (design, name,
 * and later its deployment), and the events it has yet to hand to its organization. A deleted
 * application keeps a tombstone, so its id is never reused and reads stay NOT_FOUND.
 */
import { RavelError } from '../../../core/errors.ts';
import type { Application } from '../../../domain/schemas/index.ts';
import type { ForwardOutbox } from '../../../events/event-outbox.ts';

/**
 * The seam for the deployment side: `null` while a draft. The next engineer replaces `null` with
 * the deployment's runtime state (hosts, jobs, reminders' bookkeeping) and keeps `app.deployment`
 * as what the API shows.
 */
export type DeploymentRuntime = null;

export type ApplicationState =
  | { readonly status: 'absent' }
  | {
      readonly status: 'live';
      readonly organizationId: number;
      readonly app: Application;
      readonly runtime: DeploymentRuntime;
      readonly outbox: ForwardOutbox;
    }
  | { readonly status: 'deleted'; readonly organizationId: number; readonly outbox: ForwardOutbox };

export function applicationIdOf(actorId: string): number {
  const id = Number(actorId);
  if (!Number.isSafeInteger(id) || id < 1 || String(id) !== actorId) throw new RavelError('INVALID_ARGUMENT', `not an application id: ${actorId}`);
  return id;
}

export function decodeApplicationState(stored: unknown): ApplicationState {
  const s = stored as { status?: unknown; organizationId?: unknown; outbox?: unknown; app?: unknown } | null;
  if (s?.status === 'absent') return { status: 'absent' };
  const ok = (s?.status === 'live' && typeof s.app === 'object') || s?.status === 'deleted';
  if (!ok || typeof s?.organizationId !== 'number' || typeof s.outbox !== 'object') throw new RavelError('CORRUPT', 'bad application state');
  return s as ApplicationState;
}
