/**
 * The HVX agent of one host: takes up to COMMANDS_IN_FLIGHT commands at once from its durable
 * consumer, applies each once (the ledger answers a repeated id with the first result), those of
 * one VM strictly in order and those of different VMs side by side (command-lanes.ts), reports VM
 * state changes and results, and sends heartbeats. A command is acknowledged only once its result
 * is stored, so one in hand when the agent dies is delivered again and answered from the ledger. It needs nothing but a Bus, so the same code runs one real
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
  type HvxCommand,
} from '../protocol.ts';
import type { AgentImages } from './agent-images.ts';
import { applyCommand } from './apply-command.ts';
import { MemoryLedger, type AppliedLedger } from './applied-ledger.ts';
import { CommandLanes, type LaneTurn } from './command-lanes.ts';
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

/** How long a command that gave up because an earlier one of its VM did waits before it comes again. */
const REDELIVER_AFTER_GIVE_UP_MS = 500;

/** Refusals an agent remembers, the last ones. */
export const REFUSALS_KEPT = 100;

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
  private readonly lanes = new CommandLanes();
  /** Deliveries being handled, by stream sequence. */
  private readonly inHand = new Map<number, Promise<void>>();
  /** The last REFUSALS_KEPT commands refused as malformed or forged (what anyone may publish must not grow memory). */
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
        // Commands in hand finish (their acknowledgements may still go) before the ledger closes.
        await Promise.allSettled([...this.inHand.values()]);
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

  /**
   * Takes one delivery. Runs in delivery order up to its first await: the command's lane turns
   * are taken there, so the lanes keep the order the queue handed the commands out in.
   */
  private onCommand(msg: WorkMessage): Promise<void> {
    // The same message again while its first delivery is still in hand here (it waited past the
    // ack wait behind another command of its VM): the first delivery answers and acknowledges it.
    const inHand = this.inHand.get(msg.seq);
    if (inHand !== undefined) return inHand.catch(() => undefined);
    let cmd: HvxCommand;
    try {
      cmd = readCommand(this.host, msg.data);
    } catch (e) {
      const error = toRavelError(e, 'DECODE_FAILED');
      this.refusals.push({ seq: msg.seq, error });
      if (this.refusals.length > REFUSALS_KEPT) this.refusals.shift();
      this.log.warn({ err: error, seq: msg.seq }, 'command refused');
      return msg.term();
    }
    const vm = this.lanes.take(`vm:${cmd.kind === 'define' ? cmd.spec.id : cmd.vmId}`);
    // Defining and undefining take and give back the host's room: they keep their order across VMs.
    const room = cmd.kind === 'define' || cmd.kind === 'undefine' ? this.lanes.take('room') : undefined;
    const handled = this.handle(msg, cmd, vm, room).finally(() => this.inHand.delete(msg.seq));
    this.inHand.set(msg.seq, handled);
    return handled;
  }

  /**
   * Applies the command in its turn (or answers it from the ledger), stores the result, and only
   * then acknowledges it. A VM's turn lasts until the acknowledgement, so a VM's commands are
   * also acknowledged in order; the room's turn only while the hypervisor is asked.
   */
  private async handle(msg: WorkMessage, cmd: HvxCommand, vm: LaneTurn, room: LaneTurn | undefined): Promise<void> {
    let result: CommandResult | undefined;
    try {
      if (await vm.ready) result = (await this.ledger.get(cmd.id)) ?? (await this.applyInTurn(msg, cmd, room));
      if (result === undefined) {
        // An earlier command of this VM (or of the room) will come again: this one must not pass it.
        await msg.nak(REDELIVER_AFTER_GIVE_UP_MS);
        return;
      }
      room?.done(true);
      await this.publishResult(result);
      await msg.ack();
    } finally {
      room?.done(result !== undefined);
      vm.done(result !== undefined);
    }
  }

  /** Applies a command not in the ledger, once the room's earlier commands are through; undefined if one of them gave up. */
  private async applyInTurn(msg: WorkMessage, cmd: HvxCommand, room: LaneTurn | undefined): Promise<CommandResult | undefined> {
    if (room !== undefined && !(await room.ready)) return undefined;
    const ctx = { hv: this.o.hypervisor, images: this.o.images, working: () => msg.working() };
    const result = await applyCommand(ctx, cmd, this.host, () => this.o.clock.now());
    this.applied++;
    room?.done(true);
    await this.ledger.put(result);
    return result;
  }

  private async publishResult(r: CommandResult): Promise<void> {
    await this.o.bus.streams.publish(hvxSubjects.result(this.host), writeResult(r));
  }

  private reportState(c: VmStateChange): void {
    const status = { host: this.host, vmId: c.vmId, state: c.state, at: c.at, ...(c.reason === undefined ? {} : { reason: c.reason }) };
    this.reports.push(writeStatus(status));
  }
}
