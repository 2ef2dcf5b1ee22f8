/**
 * The in-process Grid of embedded mode and of unit tests. Expiry runs on the Clock it is given,
 * so tests move a ManualClock instead of sleeping. Several handles may share one
 * EmbeddedCluster, as several clients share one Hazelcast cluster.
 */
import type { Clock } from '../../core/clock.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { Grid, GridMap, IdRange } from '../grid.ts';
import { checkIdCount, checkName, closedError, rangeFrom } from '../grid-arguments.ts';
import { EmbeddedCluster, type MapStore, type Watcher } from './embedded-store.ts';
import { EmbeddedMapImpl, type MapOwner } from './embedded-map.ts';

export interface EmbeddedGridOptions {
  /** Share state with other handles; a new cluster of its own when absent. */
  cluster?: EmbeddedCluster;
  log?: Logger;
}

export class EmbeddedGrid implements Grid, MapOwner {
  readonly cluster: EmbeddedCluster;
  private closed = false;
  private readonly watchers = new Map<Watcher, MapStore>();

  constructor(clock: Clock, options: EmbeddedGridOptions = {}) {
    this.cluster = options.cluster ?? new EmbeddedCluster(clock, options.log ?? silentLogger);
    this.cluster.attach();
  }

  /** Another handle on the same state, as a second client of the same cluster. */
  peer(): EmbeddedGrid {
    return new EmbeddedGrid(this.cluster.clock, { cluster: this.cluster });
  }

  map<V>(name: string): GridMap<V> {
    this.assertOpen();
    checkName('map', name);
    return new EmbeddedMapImpl<V>(name, this.cluster.store(name), this);
  }

  async allocateIds(sequence: string, count: number): Promise<IdRange> {
    this.assertOpen();
    checkName('sequence', sequence);
    checkIdCount(count);
    const range = rangeFrom(this.cluster.nextId(sequence), count);
    this.cluster.setNextId(sequence, range.after);
    return { first: range.first, count: range.count };
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [w, store] of this.watchers) store.watchers.delete(w);
    this.watchers.clear();
    this.cluster.detach();
  }

  assertOpen(): void {
    if (this.closed) throw closedError();
  }

  track(watcher: Watcher, store: MapStore): void {
    store.watchers.add(watcher);
    this.watchers.set(watcher, store);
  }

  untrack(watcher: Watcher, store: MapStore): void {
    store.watchers.delete(watcher);
    this.watchers.delete(watcher);
  }
}
