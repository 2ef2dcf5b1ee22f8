/**
 * One per node process: registers actor kinds, joins placement, hosts the shards it is given,
 * and sends to any actor by its ref, the same way whether it lives here or elsewhere.
 * actors/README.md says what is guaranteed and how (placement, fencing, durability, reminders).
 */
import { match } from 'ts-pattern';
import { sleepOn, type Clock, type TimerHandle } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import type { Lifecycle } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/log.ts';
import type { Bus } from '../../bus/bus.ts';
import type { Grid, Unlisten } from '../../grid/grid.ts';
import type { ActorKind, ActorMessage, ActorRef, ActorSender, AnyActorKind, AskOptions, ReadNow } from '../actor-kind.ts';
import { checkKindName } from './actor-address.ts';
import { Membership, type NodeHeartbeat } from './membership.ts';
import { ActorMetrics, type ActorMetricsSnapshot, type ActorMetricsSource } from './metrics.ts';
import { PlacementDriver } from './placement-driver.ts';
import { RecordStore, type HotCopy } from './record-store.ts';
import { ReminderIndex } from './reminder-index.ts';
import { Router } from './router.ts';
import { compileSettings, type ActorsConfig, type RuntimeSettings } from './runtime-settings.ts';
import { ShardEndpoint } from './shard-endpoint.ts';
import { ShardHost, type OwnedShard, type TraceEvent } from './shard-host.ts';
import { ShardLeases, type HeldLease, type ShardLease } from './shard-lease.ts';

export interface ActorSystemOptions {
  readonly nodeId: string;
  readonly grid: Grid;
  readonly bus: Bus;
  readonly clock: Clock;
  /** The `actors` section of the config. */
  readonly config: ActorsConfig;
  readonly log: Logger;
  /** Sees every message at the door and at its reply; for debugging and tests. */
  readonly trace?: (event: TraceEvent) => void;
  /** Prefix of the grid maps, bus buckets and subjects; tests give each run its own. */
  readonly namespace?: string;
  /** Bus key-value replicas for the durable record (3 on a three-server NATS cluster). */
  readonly replicas?: number;
  /**
   * Record writes of different actors started at the same moment share one batched write
   * (`KeyValue.updateMany`). Default true; off only to measure what it saves.
   */
  readonly batchCommits?: boolean;
}

/** What exists only while started. */
interface Running {
  readonly host: ShardHost;
  readonly router: Router;
  readonly driver: PlacementDriver;
  readonly records: RecordStore;
  readonly membership: Membership;
  readonly unlisten: Unlisten[];
  sweep: TimerHandle | undefined;
}

export class ActorSystem implements ActorSender, ActorMetricsSource {
  readonly nodeId: string;
  readonly settings: RuntimeSettings;
  private lifecycle: Lifecycle = { status: 'starting' };
  private startCalled = false;
  private readonly kinds = new Map<string, AnyActorKind>();
  private readonly metricsData = new ActorMetrics();
  private run: Running | undefined;
  private readonly log: Logger;
  private readonly ns: string;

  constructor(private readonly o: ActorSystemOptions) {
    this.nodeId = o.nodeId;
    this.ns = o.namespace ?? 'actors';
    this.settings = { ...compileSettings(o.config), subjectPrefix: `ravel.${this.ns}` };
    this.log = o.log.child({ node: o.nodeId });
  }

  get status(): Lifecycle['status'] {
    return this.lifecycle.status;
  }

  register<S, M extends ActorMessage, R>(kind: ActorKind<S, M, R>): this {
    checkKindName(kind.name);
    if (this.startCalled) throw new RavelError('ILLEGAL_STATE', 'actor kinds are registered before start');
    if (this.kinds.has(kind.name)) throw new RavelError('ALREADY_EXISTS', `actor kind ${kind.name} is registered already`);
    this.kinds.set(kind.name, kind);
    return this;
  }

  /** Opens the durable buckets, joins placement and takes this node's share of shards. */
  async start(): Promise<void> {
    if (this.startCalled) throw new RavelError('ILLEGAL_STATE', 'the actor system was started already');
    this.startCalled = true;
    const { grid, bus, clock, nodeId } = this.o;
    const s = this.settings;
    try {
      const kvConfig = { replicas: this.o.replicas ?? 1 };
      const records = new RecordStore(await bus.kv(`${this.ns}-records`, kvConfig), grid.map<HotCopy>(`${this.ns}.hot`), this.log, this.o.batchCommits ?? true);
      const reminderIndex = new ReminderIndex(await bus.kv(`${this.ns}-reminders`, kvConfig));
      const leaseMap = grid.map<ShardLease>(`${this.ns}.leases`);
      const nodeMap = grid.map<NodeHeartbeat>(`${this.ns}.nodes`);
      const leases = new ShardLeases(leaseMap, await bus.kv(`${this.ns}-epochs`, kvConfig), nodeId, clock, s.leaseMs, s.leaseMarginMs);
      const membership = new Membership(nodeMap, nodeId, clock, s.leaseMs);
      const host = new ShardHost(clock, this.log, this, records, reminderIndex, this.metricsData, s, this.kinds, this.o.trace);
      const endpoint = new ShardEndpoint(bus, host, this.kinds, clock, this.log, s.subjectPrefix);
      const router = new Router(host, this.kinds, bus, clock, s);
      const adopt = async (lease: HeldLease): Promise<void> => {
        const owned: OwnedShard = { shard: lease.shard, lease, status: 'active', activations: new Set(), subscription: undefined, wakes: new Map() };
        host.owned.set(lease.shard, owned);
        owned.subscription = endpoint.subscribe(lease.shard);
        if (!(await this.wakeIndexed(host, reminderIndex, owned))) void this.wakeIndexedLater(host, reminderIndex, owned);
      };
      const driver = new PlacementDriver({ nodeId, clock, log: this.log, settings: s, leases, membership, host, adopt });
      this.run = { host, router, driver, records, membership, unlisten: [], sweep: undefined };
      // Released leases and joining or leaving nodes trigger placement at once, not at the next tick.
      this.run.unlisten.push(await leaseMap.listen((c) => (c.type !== 'set' || c.value.owner === '' ? driver.requestTick() : undefined)));
      this.run.unlisten.push(await nodeMap.listen((c) => (c.key !== nodeId && c.type !== 'set' ? driver.requestTick() : undefined)));
      this.armSweep();
      await driver.tickNow();
      this.lifecycle = { status: 'running' };
      this.log.info({ shards: host.owned.size }, 'actor system running');
    } catch (e) {
      this.lifecycle = { status: 'failed', error: e as Error };
      throw e;
    }
  }

  /**
   * Arms a wake-up for every actor of an adopted shard that the reminder index names; false when
   * the index could not be read (the bus out of reach for a moment).
   */
  private async wakeIndexed(host: ShardHost, index: ReminderIndex, owned: OwnedShard): Promise<boolean> {
    let wakes;
    try {
      wakes = await index.list(owned.shard);
    } catch (e) {
      this.log.warn({ err: e, shard: owned.shard }, 'reminder index not read; retrying');
      return false;
    }
    for (const w of wakes) if (host.owned.get(owned.shard) === owned) host.scheduleWake(owned, w.ref, w.dueAt);
    return true;
  }

  /** Reads the index again until it answers, while the shard stays ours: its reminders must not wait for a message. */
  private async wakeIndexedLater(host: ShardHost, index: ReminderIndex, owned: OwnedShard): Promise<void> {
    do await sleepOn(this.o.clock, this.settings.reminderRetryMs);
    while (host.owned.get(owned.shard) === owned && !(await this.wakeIndexed(host, index, owned)));
  }

  ask<R = unknown, M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M, options?: AskOptions): Promise<R> {
    return this.sender().ask<R, M>(ref, msg, options);
  }

  tell<M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M, options?: Omit<AskOptions, 'timeoutMs'>): Promise<void> {
    return this.sender().tell(ref, msg, options);
  }

  readNow<R = unknown, M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M): ReadNow<R> | undefined {
    return this.lifecycle.status === 'stopped' ? undefined : this.run?.router.readNow<R, M>(ref, msg);
  }

  metrics(): ActorMetricsSnapshot {
    const host = this.run?.host;
    return this.metricsData.snapshot(this.nodeId, host?.activations ?? 0, host?.owned.size ?? 0);
  }

  /** The shards this node serves now, for tests and /readyz. */
  ownedShards(): number[] {
    return [...(this.run?.host.owned.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Runs placement now (joins, hand-overs, takeovers) instead of at the next tick. */
  async rebalance(): Promise<void> {
    await this.run?.driver.tickNow();
  }

  /**
   * Leaves gracefully: takes no more shards, lets every accepted message finish its turn and its
   * write, releases the leases so others take over at once, then stops.
   */
  async stop(): Promise<void> {
    const run = this.run;
    const proceed = match(this.lifecycle)
      .with({ status: 'running' }, { status: 'failed' }, () => true)
      .with({ status: 'starting' }, () => run !== undefined)
      .with({ status: 'draining' }, { status: 'stopped' }, () => false)
      .exhaustive();
    if (!proceed || run === undefined) {
      this.lifecycle = this.lifecycle.status === 'starting' ? { status: 'stopped' } : this.lifecycle;
      return;
    }
    this.lifecycle = { status: 'draining' };
    run.driver.draining = true;
    await run.driver.tickNow();
    await run.driver.handoffsDone();
    await this.shutdown(run, true);
    this.log.info('actor system stopped');
  }

  /**
   * Stops dead, as a crash would: no hand-over, leases left to expire, activations abandoned.
   * For tests of takeover and fencing in one process.
   */
  async halt(): Promise<void> {
    const run = this.run;
    if (run === undefined) return;
    await this.shutdown(run, false);
  }

  /**
   * Stops renewing leases and taking shards while everything else goes on, as if the process
   * were frozen (SIGSTOP) as far as the cluster can tell. For tests of fencing in one process.
   */
  suspendPlacement(): void {
    this.run?.driver.stop();
  }

  private async shutdown(run: Running, graceful: boolean): Promise<void> {
    run.driver.stop();
    if (run.sweep !== undefined) this.o.clock.clearTimeout(run.sweep);
    await Promise.all(run.unlisten.map((u) => u()));
    for (const shard of [...run.host.owned.keys()]) run.host.loseShard(shard, 'node stopping');
    await run.host.unsubscribed();
    if (graceful) {
      await run.membership.leave().catch((e: unknown) => this.log.warn({ err: e }, 'heartbeat not removed'));
      await run.records.settled();
    }
    this.lifecycle = { status: 'stopped' };
  }

  private sender(): ActorSender {
    const run = this.run;
    if (run !== undefined && this.lifecycle.status !== 'stopped') return run.router;
    throw new RavelError(this.lifecycle.status === 'stopped' ? 'CLOSED' : 'ILLEGAL_STATE', `actor system is ${this.lifecycle.status}`);
  }

  private armSweep(): void {
    const run = this.run;
    if (run === undefined) return;
    run.sweep = this.o.clock.setTimeout(() => {
      run.host.sweepIdle();
      this.armSweep();
    }, this.settings.passivationSweepMs);
  }
}
