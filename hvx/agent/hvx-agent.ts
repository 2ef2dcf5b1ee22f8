/**
 * The HVX agent of one host: takes its commands from its durable consumer, applies each once
 * (the ledger answers a repeated id with the first result), reports VM state changes and
 * results, and sends heartbeats. It needs nothing but a Bus, so the same code runs one real
 * host over its own NATS connection, or thousands of simulated ones sharing a few.
 */
import { match } from 'ts-pattern';
import type { Bus, Consumer, WorkMessage } from '../../bus/bus.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { RavelError, toRavelError } from '../../core/errors.ts';
import type { Lifecycle } from '../../core/lifecycle.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { Hypervisor, VmStateChange } from '../hypervisor.ts';
import {
  checkHostId,
  commandConsumer,
  COMMAND_STREAM,
  hvxSubjects,
  readCommand,
  writeHeartbeat,
  writeResult,
  writeStatus,
  type CommandResult,
  type Heartbeat,
} from '../protocol.ts';
import type { AgentImages } from './agent-images.ts';
import { applyCommand } from './apply-command.ts';
import { MemoryLedger, type AppliedLedger } from './applied-ledger.ts';
import { ReportQueue } from './report-queue.ts';

export interface HvxAgentOptions {
  readonly host: string;
  readonly bus: Bus;
  readonly hypervisor: Hypervisor;
  readonly images: AgentImages;
  readonly clock: Clock;
  /** Default: in memory (forgotten on restart). */
  readonly ledger?: AppliedLedger;
  /** Between heartbeats; default 5000. */
  readonly heartbeatMs?: number;
  /** `own`: the agent keeps a heartbeat timer; `external`: its owner calls heartbeat() (a fleet). Default own. */
  readonly heartbeats?: 'own' | 'external';
  readonly logger?: Logger;
}

/** A command that was refused before it was applied (malformed, or addressed to another host). */
export interface Refusal {
  readonly seq: number;
  readonly error: RavelError;
}

export class HvxAgent {
  readonly host: string;
  private lifecycle: Lifecycle = { status: 'starting' };
  private consumer: Consumer | undefined;
  private timer: TimerHandle | undefined;
  private stopListening: (() => void) | undefined;
  private hbSeq = 0;
  private readonly ledger: AppliedLedger;
  private readonly log: Logger;
  private readonly reports: ReportQueue;
  readonly refusals: Refusal[] = [];
  /** Commands applied (not answered from the ledger) since start. */
  applied = 0;

  constructor(private readonly o: HvxAgentOptions) {
    this.host = checkHostId(o.host);
    this.ledger = o.ledger ?? new MemoryLedger();
    this.log = (o.logger ?? silentLogger).child({ host: o.host });
    this.reports = new ReportQueue({ clock: o.clock, log: this.log, publish: (data) => o.bus.streams.publish(hvxSubjects.status(this.host), data) });
  }

  /** VM state reports not yet stored by the stream (NATS out of reach), and reports dropped for want of room. */
  get unreported(): { readonly pending: number; readonly dropped: number } {
    return { pending: this.reports.pending, dropped: this.reports.dropped };
  }

  get status(): Lifecycle['status'] {
    return this.lifecycle.status;
  }

  /** Reports VM changes, binds to the host's durable consumer, sends the first heartbeat. */
  async start(): Promise<void> {
    this.stopListening = this.o.hypervisor.onStateChange((c) => this.reportState(c));
    try {
      this.consumer = await this.o.bus.streams.consume(COMMAND_STREAM, commandConsumer(this.host), (m) => this.onCommand(m));
    } catch (e) {
      this.stopListening();
      this.lifecycle = { status: 'failed', error: toRavelError(e) };
      throw e;
    }
    this.lifecycle = { status: 'running' };
    this.heartbeat();
    if ((this.o.heartbeats ?? 'own') === 'own') this.scheduleHeartbeat();
  }

  /** Publishes one heartbeat now (a fleet calls this; a lone agent has its own timer). */
  heartbeat(): void {
    if (this.lifecycle.status !== 'running') return;
    const hv = this.o.hypervisor;
    const hb: Heartbeat = {
      host: this.host,
      seq: this.hbSeq++,
      at: this.o.clock.now(),
      driver: hv.driver,
      capacity: hv.capacity(),
      vms: hv.list().map((v) => ({ id: v.spec.id, state: v.state, since: v.since })),
    };
    try {
      this.o.bus.publish(hvxSubjects.heartbeat(this.host), writeHeartbeat(hb));
    } catch (e) {
      this.log.warn({ err: e }, 'heartbeat not sent');
    }
  }

  /** Stops taking commands and sending heartbeats; the hypervisor and the bus belong to the caller. */
  async stop(): Promise<void> {
    await match(this.lifecycle)
      .with({ status: 'running' }, { status: 'starting' }, async () => {
        this.lifecycle = { status: 'draining' };
        if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
        this.stopListening?.();
        await this.consumer?.stop();
        await this.reports.close();
        await this.ledger.close();
        this.lifecycle = { status: 'stopped' };
      })
      .with({ status: 'draining' }, { status: 'stopped' }, { status: 'failed' }, async () => undefined)
      .exhaustive();
  }

  private scheduleHeartbeat(): void {
    this.timer = this.o.clock.setTimeout(() => {
      this.heartbeat();
      if (this.lifecycle.status === 'running') this.scheduleHeartbeat();
    }, this.o.heartbeatMs ?? 5000);
  }

  private async onCommand(msg: WorkMessage): Promise<void> {
    let cmd;
    try {
      cmd = readCommand(this.host, msg.data);
    } catch (e) {
      const error = toRavelError(e, 'DECODE_FAILED');
      this.refusals.push({ seq: msg.seq, error });
      this.log.warn({ err: error, seq: msg.seq }, 'command refused');
      await msg.term();
      return;
    }
    let result = await this.ledger.get(cmd.id);
    if (result === undefined) {
      result = await applyCommand(
        { hv: this.o.hypervisor, images: this.o.images, working: () => msg.working() },
        cmd,
        this.host,
        () => this.o.clock.now(),
      );
      this.applied++;
      await this.ledger.put(result);
    }
    await this.publishResult(result);
    await msg.ack();
  }

  private async publishResult(r: CommandResult): Promise<void> {
    await this.o.bus.streams.publish(hvxSubjects.result(this.host), writeResult(r));
  }

  private reportState(c: VmStateChange): void {
    const status = { host: this.host, vmId: c.vmId, state: c.state, at: c.at, ...(c.reason === undefined ? {} : { reason: c.reason }) };
    this.reports.push(writeStatus(status));
  }
}
