/**
 * What an application actor holds: its owner organization, the application (design, name,
 * and later its deployment), and the events it has yet to hand to its organization. A deleted
 * application keeps a tombstone, so its id is never reused and reads stay NOT_FOUND.
 */
import { RavelError } from '../../../core/errors.ts';
import type { StoreRef } from '../../../domain/library/library-records.ts';
import type { Application, ScheduledTask } from '../../../domain/schemas/index.ts';
import type { Usage } from '../../../domain/tenancy/quota.ts';
import type { ForwardOutbox } from '../../../events/event-outbox.ts';
import type { HvxCommand } from '../../../hvx/protocol.ts';

/** One deployed VM's bookkeeping, by its id key. */
export interface VmRuntime {
  /** Counts the transitions that sent a command; part of each command id, so a resend is the same command. */
  readonly gen: number;
  /** Boot once provisioned (publish with `startAllVms`). */
  readonly startAfter: boolean;
  /** The command whose result is awaited; a result for any other is stale and ignored. */
  readonly pending?: string;
  /** The last host status report applied (its HVX_EVENTS sequence); older or repeated ones are ignored. */
  readonly lastStatusSeq: number;
  /**
   * A snapshot of the VM's disks asked of `host` (by its command id) and not answered yet
   * (application-snapshots.ts). `defineAfter`: the VM was moved meanwhile; it is defined on its
   * new host once the snapshot is in, and the old host keeps its room until then. `askedAt`: when
   * it was asked; one never answered is given up on (application-settle.ts).
   */
  readonly snapshot?: { readonly command: string; readonly host: string; readonly defineAfter?: boolean; readonly askedAt?: number };
  /** When the VM last entered STARTING or STOPPING with a command sent (application-settle.ts). */
  readonly transitionAt?: number;
  /** A redeploy of the running VM: moved once it has stopped (and its disks been snapshotted). */
  readonly moveWhenStopped?: boolean;
}

/**
 * The deployment's runtime state, `null` while a draft; `app.deployment` stays what the API shows.
 * `outgoing` holds commands decided in a turn and not yet on their hosts' queues: the
 * host-commands reminder sends them after the turn commits (again after a crash: their ids
 * make a resend harmless).
 */
export type DeploymentRuntime = null | {
  readonly vms: Readonly<Record<string, VmRuntime>>;
  readonly outgoing: readonly HvxCommand[];
};

export interface BlueprintSnapshots {
  readonly blueprintId: number;
  readonly awaiting: Readonly<Record<string, string>>;
  readonly versions: Readonly<Record<string, StoreRef>>;
}

/** An application's scheduled tasks and the last task id handed out (ids are never reused). */
export interface TaskBook {
  readonly lastId: number;
  readonly tasks: readonly ScheduledTask[];
}

export type ApplicationState =
  | { readonly status: 'absent' }
  | {
      readonly status: 'live';
      readonly organizationId: number;
      readonly app: Application;
      readonly runtime: DeploymentRuntime;
      readonly outbox: ForwardOutbox;
      /** What the organization was last told this application runs (application-usage.ts). */
      readonly reportedUsage?: Usage;
      /** Scheduled tasks (application-tasks.ts); absent: none ever made. */
      readonly tasks?: TaskBook;
      /**
       * Each deployed disk's own image in the store, by the disk's id key: cloned at publish from
       * its library image (or a blueprint's snapshot), named in the VM specs sent to hosts. Absent:
       * a draft, or a node without an image store (hosts then get the library names).
       */
      readonly disks?: Readonly<Record<string, StoreRef>>;
      /**
       * Each disk's newest snapshot a host wrote when its VM stopped, by disk id key: a define
       * (on the same host or another) starts from it rather than from `disks`. A disk's entry
       * goes when its disks are reset.
       */
      readonly snapshots?: Readonly<Record<string, StoreRef>>;
      /**
       * Blueprints whose save waits for snapshots of this application's running VMs: the snapshot
       * command awaited of each VM, by VM id key, and the versions those that came in wrote.
       */
      readonly blueprintSnapshots?: readonly BlueprintSnapshots[];
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
