/**
 * Builds ActorSystems for tests: one EmbeddedGrid cluster and one EmbeddedBus (LMDB in a
 * temporary directory) shared by every node, on a ManualClock. `drive` moves the clock in
 * small steps until a promise settles, yielding to real I/O (LMDB flushes) between steps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/log.ts';
import { defaults } from '../../../config/schema.ts';
import type { Bus } from '../../../bus/bus.ts';
import { EmbeddedBus } from '../../../bus/embedded/embedded-bus.ts';
import { EmbeddedGrid } from '../../../grid/embedded/embedded-grid.ts';
import type { Grid } from '../../../grid/grid.ts';
import type { AnyActorKind } from '../../actor-kind.ts';
import { ActorSystem } from '../actor-system.ts';
import type { ActorsConfig } from '../runtime-settings.ts';

export class TestCluster {
  readonly clock: ManualClock;
  readonly dir = mkdtempSync(join(tmpdir(), 'ravel-actors-'));
  grid: EmbeddedGrid;
  bus: Bus;
  readonly systems: ActorSystem[] = [];

  constructor(
    readonly config: Partial<ActorsConfig> = {},
    clock: ManualClock = new ManualClock(),
  ) {
    this.clock = clock;
    this.grid = new EmbeddedGrid(clock);
    this.bus = new EmbeddedBus({ dir: this.dir, clock });
  }

  /** A node (not started) with its own grid handle, sharing the bus. */
  node(nodeId: string, kinds: AnyActorKind[], config: Partial<ActorsConfig> = {}, wrapGrid: (g: Grid) => Grid = (g) => g): ActorSystem {
    const sys = new ActorSystem({
      nodeId,
      grid: wrapGrid(this.grid.peer()),
      bus: this.bus,
      clock: this.clock,
      config: { ...defaults.actors, shards: 16, ...this.config, ...config },
      log: silentLogger,
    });
    for (const k of kinds) sys.register(k);
    this.systems.push(sys);
    return sys;
  }

  async start(nodeId: string, kinds: AnyActorKind[], config: Partial<ActorsConfig> = {}, wrapGrid?: (g: Grid) => Grid): Promise<ActorSystem> {
    const sys = this.node(nodeId, kinds, config, wrapGrid);
    await this.drive(sys.start());
    return sys;
  }

  /** Moves the clock `stepMs` at a time until `p` settles (at most `maxMs` of clock time). */
  async drive<T>(p: Promise<T>, stepMs = 5, maxMs = 60_000): Promise<T> {
    let done = false;
    const watched = p.finally(() => {
      done = true;
    });
    watched.catch(() => undefined);
    for (let t = 0; !done && t <= maxMs; t += stepMs) {
      await realPause();
      if (!done) await this.clock.advance(stepMs);
    }
    return watched;
  }

  /**
   * Moves the clock in steps until `cond` holds, letting I/O finish between steps; answers the
   * clock time it took, or throws after `maxMs` of clock time.
   */
  async until(cond: () => boolean, maxMs = 30_000, stepMs = 10): Promise<number> {
    const start = this.clock.now();
    for (;;) {
      for (let i = 0; i < 20 && !cond(); i++) await realPause();
      if (cond()) return this.clock.now() - start;
      if (this.clock.now() - start >= maxMs) throw new Error(`condition not met within ${maxMs} ms of clock time`);
      await this.clock.advance(stepMs);
    }
  }

  /** Moves the clock by `ms` in steps, letting I/O finish between them. */
  async advance(ms: number, stepMs = 50): Promise<void> {
    for (let t = 0; t < ms; t += stepMs) {
      await this.clock.advance(Math.min(stepMs, ms - t));
      await realPause();
    }
  }

  /** Closes the bus and reopens it on the same directory, with a fresh grid: a full restart. */
  async restartInfrastructure(): Promise<void> {
    await this.bus.close();
    await this.grid.close();
    this.grid = new EmbeddedGrid(this.clock);
    this.bus = new EmbeddedBus({ dir: this.dir, clock: this.clock });
  }

  async close(): Promise<void> {
    for (const s of this.systems) await this.drive(s.halt());
    await this.bus.close();
    await this.grid.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Lets real I/O (LMDB commits and flushes) complete; it does not stand in for clock time. */
export function realPause(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1));
}
