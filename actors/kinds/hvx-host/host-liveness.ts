/**
 * What an hvx-host activation has heard from its host, kept in memory so that heartbeats write
 * nothing durable (hvx-host-kind.ts). Entries are keyed by the host state object the activation
 * holds: a new activation (after a failover, a restart or a passivation) reads a new object and so
 * starts with nothing heard, and an entry goes with the state it describes.
 *
 * How silence is counted, and why a failover neither kills a live host nor hides a dead one:
 * - the stored `lastHeartbeat` only ever holds a heartbeat really heard (or the registration),
 *   written with changes that are written anyway, at the latest by each liveness check (about
 *   once per `deadAfterMs` while the host is heard);
 * - a new activation has missed what its predecessor heard since that write, so it counts the
 *   host's silence from when it first looked, but never from later than one `deadAfterMs` past
 *   the stored heartbeat. A live host then has a whole window to be heard by the new activation
 *   (the stored time is at most about one window old, as each check writes it); a dead one is
 *   declared dead at most about two windows after its last heartbeat, however often its actor is
 *   activated again (passivation of a silent host, repeated failovers), since the grace is
 *   anchored to the stored heartbeat, which only a real heartbeat moves.
 */
import type { HostState } from '../../../domain/host/host-model.ts';

interface Heard {
  /** When this activation first looked at the host. */
  readonly since: number;
  /** The last heartbeat this activation heard (the control plane's time of receipt). */
  heard?: number;
}

const memory = new WeakMap<HostState, Heard>();

function entry(h: HostState, now: number): Heard {
  let e = memory.get(h);
  if (e === undefined) {
    e = { since: now };
    memory.set(h, e);
  }
  return e;
}

/** A heartbeat received at `at`. Nothing for a host that is no longer UP. */
export function hear(h: HostState, at: number, now: number): void {
  const e = entry(h, now);
  if (h.status === 'UP') e.heard = Math.max(e.heard ?? 0, at);
}

/** The last heartbeat really heard: stored, or later and only in memory. */
export function lastHeard(h: HostState, now: number): number {
  return Math.max(h.lastHeartbeat, entry(h, now).heard ?? 0);
}

/** When the liveness check counts the host's silence from (see the header). */
export function silentSince(h: HostState, now: number, deadAfterMs: number): number {
  return Math.max(lastHeard(h, now), Math.min(entry(h, now).since, h.lastHeartbeat + deadAfterMs));
}

/**
 * The state that follows `prev` (this activation's) as it will be written: an UP host carries the
 * last heartbeat heard, so the write that happens anyway stores it; the memory moves with it.
 */
export function succeed(prev: HostState | undefined, next: HostState, now: number): HostState {
  const e = prev === undefined ? { since: now } : entry(prev, now);
  const at = prev === undefined ? next.lastHeartbeat : lastHeard(prev, now);
  const written = next.status === 'UP' && at > next.lastHeartbeat ? { ...next, lastHeartbeat: at } : next;
  memory.set(written, { since: e.since, ...(e.heard === undefined ? {} : { heard: e.heard }) });
  return written;
}
