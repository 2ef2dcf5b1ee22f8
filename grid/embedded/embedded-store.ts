/**
 * The state behind in-process grids: one EmbeddedCluster holds every map and id sequence,
 * and any number of EmbeddedGrid handles share it, as clients share a Hazelcast cluster.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { decode } from '../../core/codec.ts';
import type { Logger } from '../../core/log.ts';
import type { GridChange } from '../grid.ts';

export interface StoredEntry {
  readonly bytes: Uint8Array;
  readonly version: number;
  readonly expiresAt: number | undefined;
  timer: TimerHandle | undefined;
}

export interface Watcher {
  readonly keyPrefix: string;
  readonly deliver: (change: GridChange<unknown>) => void;
}

export class MapStore {
  readonly entries = new Map<string, StoredEntry>();
  readonly watchers = new Set<Watcher>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The live entry, expiring it first when its time has come but its timer has not run. */
  live(key: string): StoredEntry | undefined {
    const e = this.entries.get(key);
    if (e !== undefined && e.expiresAt !== undefined && e.expiresAt <= this.clock.now()) {
      this.expire(key, e);
      return undefined;
    }
    return e;
  }

  write(key: string, bytes: Uint8Array, version: number, ttlMs: number | undefined): void {
    this.drop(key);
    const entry: StoredEntry = {
      bytes,
      version,
      expiresAt: ttlMs === undefined ? undefined : this.clock.now() + ttlMs,
      timer: undefined,
    };
    if (ttlMs !== undefined) entry.timer = this.clock.setTimeout(() => this.expire(key, entry), ttlMs);
    this.entries.set(key, entry);
    this.emit(key, () => ({ type: 'set', key, value: decode(bytes), version }));
  }

  remove(key: string): void {
    this.drop(key);
    this.emit(key, () => ({ type: 'deleted', key }));
  }

  clearTimers(): void {
    for (const e of this.entries.values()) {
      if (e.timer !== undefined) this.clock.clearTimeout(e.timer);
      e.timer = undefined;
    }
  }

  private expire(key: string, entry: StoredEntry): void {
    if (this.entries.get(key) !== entry) return;
    this.drop(key);
    this.emit(key, () => ({ type: 'expired', key }));
  }

  private drop(key: string): void {
    const old = this.entries.get(key);
    if (old?.timer !== undefined) this.clock.clearTimeout(old.timer);
    this.entries.delete(key);
  }

  /** Each watcher gets its own decoded copy, after the write has finished, as a real grid would. */
  private emit(key: string, change: () => GridChange<unknown>): void {
    for (const w of this.watchers) {
      if (!key.startsWith(w.keyPrefix)) continue;
      const c = change();
      queueMicrotask(() => {
        try {
          w.deliver(c);
        } catch (e) {
          this.log.warn({ err: e, key }, 'grid listener threw');
        }
      });
    }
  }
}

export class EmbeddedCluster {
  private readonly maps = new Map<string, MapStore>();
  private readonly sequences = new Map<string, number>();
  private handles = 0;

  constructor(
    readonly clock: Clock,
    readonly log: Logger,
  ) {}

  store(name: string): MapStore {
    let s = this.maps.get(name);
    if (s === undefined) {
      s = new MapStore(this.clock, this.log);
      this.maps.set(name, s);
    }
    return s;
  }

  /** The next unallocated id of a sequence (1 when new). */
  nextId(sequence: string): number {
    return this.sequences.get(sequence) ?? 1;
  }

  setNextId(sequence: string, next: number): void {
    this.sequences.set(sequence, next);
  }

  attach(): void {
    this.handles++;
  }

  /** When the last handle closes, every TTL timer stops, so nothing is left on the clock. */
  detach(): void {
    if (--this.handles > 0) return;
    for (const s of this.maps.values()) s.clearTimers();
  }
}
