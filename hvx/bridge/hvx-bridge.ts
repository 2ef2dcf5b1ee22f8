/**
 * From HVX hosts to actors: follows the HVX_EVENTS stream (command results and VM state changes,
 * stored, so nothing is missed while the control plane is down) and the heartbeat subject, and
 * tells the application or hvx-host actor concerned. Each stored report carries an idempotency
 * key from its stream sequence, and the application ignores a status older than the last it
 * applied, so a report replayed after a restart applies once. A report the actor cannot take
 * right now (its shard moving after a node died, a full mailbox) is tried again for a while
 * (skipping it at once would leave a VM in STOPPING or STARTING for good); one refused for good,
 * or not taken within REPORT_RETRY_MS, is skipped. Reports the application would take without
 * changing anything (a VM starting, a start that succeeded: application-host-reports.ts) are not
 * handed over at all: each would cost the application a turn and a durable write.
 */
import type { ActorSender } from '../../actors/actor-kind.ts';
import { applicationRef } from '../../actors/kinds/application/application-kind.ts';
import { applicationOfCommand, parseHvxVmId } from '../../actors/kinds/application/application-host-commands.ts';
import { hostResultMatters, hostStatusMatters } from '../../actors/kinds/application/application-host-reports.ts';
import { hvxHostRef } from '../../actors/kinds/hvx-host/hvx-host-kind.ts';
import type { Bus, StoredMessage, Subscription } from '../../bus/bus.ts';
import type { Clock } from '../../core/clock.ts';
import { isRavelError, type ErrorCode } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { ensureHvxStreams } from '../host-provisioning.ts';
import { onHeartbeats } from '../host-events.ts';
import { EVENT_STREAM, hostOfSubject, hvxSubjects, readResult, readStatus } from '../protocol.ts';

/** Refusals that pass: the actor is moving, busy or briefly unreachable. */
const transient = new Set<ErrorCode>(['TIMEOUT', 'UNAVAILABLE', 'NO_RESPONDERS', 'MAILBOX_FULL', 'CLOSED', 'FENCED']);

/** How long one report is retried: well past a shard's take-over after a node dies. */
const REPORT_RETRY_MS = 30_000;

export interface HvxBridgeOptions {
  readonly bus: Bus;
  readonly actors: ActorSender;
  readonly clock: Clock;
  readonly log?: Logger;
}

export class HvxBridge {
  private readonly abort = new AbortController();
  private following: Promise<void> | undefined;
  private heartbeats: Subscription | undefined;
  private readonly log: Logger;
  /** Reports handed to actors since start (tests wait on it). */
  delivered = 0;
  /** Reports left out because they would change nothing. */
  passed = 0;

  constructor(private readonly o: HvxBridgeOptions) {
    this.log = o.log ?? silentLogger;
  }

  async start(): Promise<void> {
    await ensureHvxStreams(this.o.bus);
    this.heartbeats = onHeartbeats(this.o.bus, (hb) => {
      this.o.actors.tell(hvxHostRef(hb.host), { type: 'heartbeat', at: this.o.clock.now() }).catch((e: unknown) => this.log.warn({ err: e, host: hb.host }, 'heartbeat not delivered'));
    }, this.log);
    this.following = Promise.all([
      this.follow(hvxSubjects.allStatus, (m) => this.status(m)),
      this.follow(hvxSubjects.allResults, (m) => this.result(m)),
    ]).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.heartbeats?.unsubscribe();
    await this.following;
  }

  private async follow(subject: string, take: (m: StoredMessage) => Promise<boolean>): Promise<void> {
    try {
      for await (const m of this.o.bus.streams.replay(EVENT_STREAM, { filterSubject: subject }, this.abort.signal)) {
        if (await this.deliver(m, take)) this.delivered++;
      }
    } catch (e) {
      if (!this.abort.signal.aborted) this.log.error({ err: e, subject }, 'following host reports failed');
    }
  }

  /** Hands one report over, retrying transient refusals with backoff; false when skipped, left out or stopped. */
  private async deliver(m: StoredMessage, take: (m: StoredMessage) => Promise<boolean>): Promise<boolean> {
    const giveUpAt = this.o.clock.now() + REPORT_RETRY_MS;
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        if (await take(m)) return true;
        this.passed++;
        return false;
      } catch (e) {
        if (!isRavelError(e) || !transient.has(e.code)) {
          this.log.warn({ err: e, subject: m.subject, seq: m.seq }, 'host report refused; skipped');
          return false;
        }
        // Bounded, so one actor that never answers cannot hold up every report behind it.
        if (this.o.clock.now() >= giveUpAt) {
          this.log.error({ err: e, subject: m.subject, seq: m.seq, attempt }, 'host report not taken in time; skipped');
          return false;
        }
        if (attempt % 10 === 0) this.log.warn({ err: e, subject: m.subject, seq: m.seq, attempt }, 'host report not taken yet; retrying');
        await this.o.clock.sleep(Math.min(2000, 50 * 2 ** Math.min(attempt, 6)), this.abort.signal).catch(() => undefined);
      }
    }
    return false;
  }

  /** Tells the application of a status report; false when there is nothing to tell. */
  private async status(m: StoredMessage): Promise<boolean> {
    const host = hostOfSubject(m.subject);
    const s = readStatus(host, m.data);
    const vm = parseHvxVmId(s.vmId);
    if (vm === undefined || !hostStatusMatters(s.state)) return false;
    const msg = { type: 'hostStatus', host, vmKey: vm.vmKey, state: s.state, seq: m.seq };
    await this.o.actors.tell(applicationRef(vm.applicationId), msg, { idempotencyKey: `hvx-status:${m.seq}` });
    return true;
  }

  /** Tells the application of a command's result; false when there is nothing to tell. */
  private async result(m: StoredMessage): Promise<boolean> {
    const host = hostOfSubject(m.subject);
    const r = readResult(host, m.data);
    const app = applicationOfCommand(r.commandId);
    if (app === undefined || !hostResultMatters(r.commandId, r.ok)) return false;
    const msg = { type: 'hostResult', host, commandId: r.commandId, ok: r.ok, seq: m.seq };
    await this.o.actors.tell(applicationRef(app), msg, { idempotencyKey: `hvx-result:${m.seq}` });
    return true;
  }
}
