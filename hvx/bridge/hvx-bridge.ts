/**
 * From HVX hosts to actors: follows the HVX_EVENTS stream (command results and VM state changes,
 * stored, so nothing is missed while the control plane is down) and the heartbeat subject, and
 * hands each to the application or hvx-host actor concerned. A report is handed over with an
 * ask, which is answered only once the turn that took it is durable: a tell is done once the
 * report is in the mailbox, and a turn whose write then failed (NATS restarting) dropped it for
 * good, leaving a VM STOPPING whose host had reported it stopped (issues #5/#7). Each stored
 * report carries an idempotency key from its stream sequence, and the application ignores a
 * status older than the last it applied, so a report handed over again applies once. A report
 * the actor cannot take right now (its shard moving after a node died, a full mailbox, a failed
 * write) is tried again for a while (skipping it at once would leave a VM in STOPPING or STARTING
 * for good); one refused for good, or not taken within REPORT_RETRY_MS, is skipped. Up to
 * IN_FLIGHT reports are handed over at once, those of one application one after another, in
 * stream order. Reports the application would take without changing anything (a VM starting, a
 * start that succeeded: application-host-reports.ts) are not handed over at all: each would cost
 * the application a turn and a durable write. A snapshot's result goes with the versions written.
 */
import type { ActorMessage, ActorRef, ActorSender } from '../../actors/actor-kind.ts';
import { isRetryable } from '../../actors/runtime/envelope.ts';
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

/**
 * Reports being handed over at once, each waiting for its application's durable write. At 64 the
 * wait capped the rate: in the control-plane bench (--quick --only one --apps 300, loaded
 * machine) start to all STARTED took p50 7.7 s against 1.1 s with tells; at 1024, 0.96 s.
 */
const IN_FLIGHT = 1024;

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

  /**
   * Hands over each report of `subject` as it is stored: up to IN_FLIGHT at once, each after the
   * one before it of the same application (its key) has been handed over or skipped.
   */
  private async follow(subject: string, prepare: (m: StoredMessage) => Handover | undefined): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const tails = new Map<string, Promise<void>>();
    try {
      for await (const m of this.o.bus.streams.replay(EVENT_STREAM, { filterSubject: subject }, this.abort.signal)) {
        while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
        const h = this.prepared(m, prepare);
        if (h === undefined) continue;
        const before = tails.get(h.key);
        const done: Promise<void> = (before ?? Promise.resolve())
          .then(() => this.deliver(m, h))
          .then((delivered) => {
            if (delivered) this.delivered++;
          })
          .finally(() => {
            inFlight.delete(done);
            if (tails.get(h.key) === done) tails.delete(h.key);
          });
        inFlight.add(done);
        tails.set(h.key, done);
      }
    } catch (e) {
      if (!this.abort.signal.aborted) this.log.error({ err: e, subject }, 'following host reports failed');
    } finally {
      await Promise.allSettled([...inFlight]);
    }
  }

  /** What to hand over for a report; undefined when it is left out (or unreadable, skipped). */
  private prepared(m: StoredMessage, prepare: (m: StoredMessage) => Handover | undefined): Handover | undefined {
    try {
      const h = prepare(m);
      if (h === undefined) this.passed++;
      return h;
    } catch (e) {
      this.log.warn({ err: e, subject: m.subject, seq: m.seq }, 'host report refused; skipped');
      return undefined;
    }
  }

  /** Hands one report over, retrying transient refusals with backoff; false when skipped or stopped. */
  private async deliver(m: StoredMessage, h: Handover): Promise<boolean> {
    const giveUpAt = this.o.clock.now() + REPORT_RETRY_MS;
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        await this.o.actors.ask(h.ref, h.msg, { idempotencyKey: h.idempotencyKey });
        return true;
      } catch (e) {
        if (!isRavelError(e) || !(transient.has(e.code) || isRetryable(e))) {
          this.log.warn({ err: e, subject: m.subject, seq: m.seq }, 'host report refused; skipped');
          return false;
        }
        // Bounded, so one actor that never answers cannot hold up its application's reports for good.
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

  /** The application's hand-over of a status report; undefined when there is nothing to tell. */
  private status(m: StoredMessage): Handover | undefined {
    const host = hostOfSubject(m.subject);
    const s = readStatus(host, m.data);
    const vm = parseHvxVmId(s.vmId);
    if (vm === undefined || !hostStatusMatters(s.state)) return undefined;
    const msg = { type: 'hostStatus', host, vmKey: vm.vmKey, state: s.state, seq: m.seq };
    return { key: String(vm.applicationId), ref: applicationRef(vm.applicationId), msg, idempotencyKey: `hvx-status:${m.seq}` };
  }

  /** The application's hand-over of a command's result; undefined when there is nothing to tell. */
  private result(m: StoredMessage): Handover | undefined {
    const host = hostOfSubject(m.subject);
    const r = readResult(host, m.data);
    const app = applicationOfCommand(r.commandId);
    if (app === undefined || !hostResultMatters(r.commandId, r.ok)) return undefined;
    const disks = r.ok && r.value.kind === 'snapshot' ? { disks: r.value.disks.map((d) => ({ diskId: d.diskId, image: d.image, version: d.version })) } : {};
    const state = r.ok && r.value.kind === 'vm' ? { state: r.value.state } : {};
    const msg = { type: 'hostResult', host, commandId: r.commandId, ok: r.ok, seq: m.seq, ...disks, ...state };
    return { key: String(app), ref: applicationRef(app), msg, idempotencyKey: `hvx-result:${m.seq}` };
  }
}

/** One report for one actor: `key` orders the hand-overs (those of one key go one at a time, in order). */
interface Handover {
  readonly key: string;
  readonly ref: ActorRef;
  readonly msg: ActorMessage;
  readonly idempotencyKey: string;
}
