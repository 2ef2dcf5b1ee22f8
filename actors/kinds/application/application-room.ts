/**
 * Which VMs' room on a host the application holds, for that host's room audit
 * (actors/kinds/hvx-host/room-audit.ts): a VM of the deployment placed there, and a VM moved away
 * whose snapshot its old host has still to take (that host keeps the room until then,
 * application-snapshots.ts). Nothing else holds room: a VM with no host holds none, and a
 * deleted application none at all. A read of the committed state: a turn placing a VM there
 * answers it after it commits, and the audit spares reservations newer than any turn.
 */
import { idKey } from '../../../domain/schemas/index.ts';
import type { ApplicationState } from './application-state.ts';

export function roomHeld(s: ApplicationState, host: string, vmKeys: readonly string[]): string[] {
  if (s.status !== 'live') return [];
  const held = new Set<string>();
  for (const v of s.app.deployment?.vms ?? []) if (v.hostId === host) held.add(idKey(v.id));
  for (const [k, rt] of Object.entries(s.runtime?.vms ?? {})) if (rt.snapshot?.host === host) held.add(k);
  return vmKeys.filter((k) => held.has(k));
}
