/**
 * Reading what hosts report, for the control plane and tests: results and VM state changes
 * are replayed from the HVX_EVENTS stream (they are stored, so nothing is missed across a
 * restart of the reader), heartbeats come from a plain subscription.
 */
import type { Bus, Subscription } from '../bus/bus.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import {
  EVENT_STREAM,
  hostOfSubject,
  hvxSubjects,
  readHeartbeat,
  readResult,
  readStatus,
  type CommandResult,
  type Heartbeat,
  type VmStatus,
} from './protocol.ts';

export interface HostEventHandlers {
  onResult?(r: CommandResult): void;
  onStatus?(s: VmStatus): void;
}

/**
 * Follows results and state changes of one host (or `*`: all) from the start of the stream,
 * until the signal aborts. Two replays with a last-token filter each: NatsBus replay with a
 * filter like `hvx.*.h1` never delivers on nats-server 2.9 (and does not end on abort).
 */
export async function followHostEvents(bus: Bus, host: string, h: HostEventHandlers, signal: AbortSignal, log: Logger = silentLogger): Promise<void> {
  const follow = async (subject: string, take: (from: string, data: Uint8Array) => void): Promise<void> => {
    for await (const m of bus.streams.replay(EVENT_STREAM, { filterSubject: subject }, signal)) {
      try {
        take(hostOfSubject(m.subject), m.data);
      } catch (e) {
        log.warn({ err: e, subject: m.subject }, 'host event refused');
      }
    }
  };
  await Promise.all([
    follow(host === '*' ? hvxSubjects.allResults : hvxSubjects.result(host), (from, d) => h.onResult?.(readResult(from, d))),
    follow(host === '*' ? hvxSubjects.allStatus : hvxSubjects.status(host), (from, d) => h.onStatus?.(readStatus(from, d))),
  ]);
}

/** Heartbeats of every host; a malformed one, or one on another host's subject, is dropped. */
export function onHeartbeats(bus: Bus, handler: (hb: Heartbeat) => void, log: Logger = silentLogger): Subscription {
  return bus.subscribe(hvxSubjects.allHeartbeats, (m) => {
    try {
      handler(readHeartbeat(hostOfSubject(m.subject), m.data));
    } catch (e) {
      log.warn({ err: e, subject: m.subject }, 'heartbeat refused');
    }
  });
}
