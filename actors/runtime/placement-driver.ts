/**
 * Runs placement: every tick (and at once when a lease is released or a node comes or goes) it
 * heartbeats, renews the leases held, takes the shards the plan gives this node and hands over
 * the ones it gives away. A lease that cannot be renewed is lost: its shard stops at once.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Versioned } from '../../grid/grid.ts';
import type { Membership } from './membership.ts';
import { planPlacement, takeable } from './placement.ts';
import type { RuntimeSettings } from './runtime-settings.ts';
import type { ShardHost } from './shard-host.ts';
import type { HeldLease, ShardLease, ShardLeases } from './shard-lease.ts';

export interface PlacementDeps {
  readonly nodeId: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: RuntimeSettings;
  readonly leases: ShardLeases;
  readonly membership: Membership;
  readonly host: ShardHost;
  /** Starts serving a shard whose lease was just taken. */
  readonly adopt: (lease: HeldLease) => Promise<void>;
}

export class PlacementDriver {
  draining = false;
  private timer: TimerHandle | undefined;
  private watchdog: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly freeSince = new Map<number, number>();
  private readonly handingOver = new Map<number, Promise<void>>();

  constructor(private readonly d: PlacementDeps) {}

  /** Runs a tick now, or right after the one in progress. */
  requestTick(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.tick().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.requestTick();
      }
    });
  }

  /** Resolves after a full tick that started after this call. */
  async tickNow(): Promise<void> {
    for (let r = this.running; r !== undefined; r = this.running) await r;
    this.requestTick();
    const started = this.running;
    if (started !== undefined) await started;
  }

  /** Resolves when every hand-over started so far is done. */
  async handoffsDone(): Promise<void> {
    while (this.handingOver.size > 0) await Promise.all(this.handingOver.values());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.watchdog !== undefined) this.d.clock.clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  /**
   * Stops every shard whose lease has run out, whatever the tick is doing. A node cut off from the
   * grid can wait on a renewal that neither answers nor fails for longer than the lease; the tick
   * waits with it, so its own "lease lapsed" check never runs and the node would keep shards that
   * others have taken (it answers no message for them, but keeps their activations and reminder
   * timers). Runs on its own timer, every tick period.
   */
  private armWatchdog(): void {
    if (this.watchdog !== undefined || this.stopped) return;
    const { clock, host, settings } = this.d;
    this.watchdog = clock.setTimeout(() => {
      this.watchdog = undefined;
      const now = clock.now();
      for (const owned of [...host.owned.values()]) {
        if (now >= owned.lease.validUntil) host.loseShard(owned.shard, 'lease lapsed: its renewal did not answer in time');
      }
      this.armWatchdog();
    }, settings.tickMs);
  }

  private async tick(): Promise<void> {
    const { clock, log, settings, leases, membership, host, nodeId } = this.d;
    this.armWatchdog();
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = clock.setTimeout(() => this.requestTick(), settings.tickMs);
    try {
      await membership.heartbeat(this.draining);
      await this.renewAll();
      const live = await membership.live();
      const all = await leases.readAll();
      const now = clock.now();
      const current = new Map<number, ShardLease>();
      for (const [s, v] of all) current.set(s, v.value);
      for (let s = 0; s < settings.shards; s++) {
        if (takeable(current.get(s), nodeId, now)) {
          if (!this.freeSince.has(s)) this.freeSince.set(s, now);
        } else this.freeSince.delete(s);
      }
      const plan = planPlacement({
        me: nodeId,
        shards: settings.shards,
        live: this.draining ? live.filter((n) => n !== nodeId) : live,
        leases: current,
        owned: new Set([...host.owned.keys()].filter((s) => !this.handingOver.has(s))),
        now,
        freeSince: this.freeSince,
        orphanAfterMs: settings.tickMs * 2,
        handoffs: this.draining ? settings.shards : Math.max(0, settings.handoffsPerTick - this.handingOver.size),
        draining: this.draining,
      });
      if (this.stopped) return;
      for (const s of plan.handOff) this.handOff(s);
      await runLimited(plan.acquire, 16, (s) => this.acquire(s, all.get(s)));
    } catch (e) {
      log.warn({ err: e }, 'placement tick failed; retrying next tick');
    }
  }

  private async renewAll(): Promise<void> {
    const { leases, host, clock } = this.d;
    await runLimited([...host.owned.values()], 32, async (owned) => {
      try {
        const renewed = await leases.renew(owned.lease);
        if (renewed === undefined) host.loseShard(owned.shard, 'lease taken by another node');
        else if (host.owned.get(owned.shard) === owned) owned.lease = renewed;
      } catch (e) {
        this.d.log.warn({ err: e, shard: owned.shard }, 'lease renewal failed');
        if (clock.now() >= owned.lease.validUntil) host.loseShard(owned.shard, 'lease lapsed');
      }
    });
  }

  private async acquire(shard: number, seen: Versioned<ShardLease> | undefined): Promise<void> {
    if (this.stopped || this.draining || this.d.host.owned.has(shard)) return;
    const held = await this.d.leases.acquire(shard, seen);
    if (held === undefined) return;
    this.freeSince.delete(shard);
    if (this.stopped) return;
    await this.d.adopt(held);
  }

  private handOff(shard: number): void {
    const { host, leases, log } = this.d;
    // Renewals go on while the shard quiesces (it is still owned); the lease is released after.
    const p = host
      .quiesce(shard)
      .then(async (held) => {
        if (held !== undefined) await leases.release(held);
      })
      .catch((e: unknown) => log.warn({ err: e, shard }, 'hand-over failed; the lease will expire'))
      .finally(() => {
        this.handingOver.delete(shard);
        this.requestTick();
      });
    this.handingOver.set(shard, p);
  }
}

async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
