/** One named map of an EmbeddedGrid: argument checks, versions and conditions over a MapStore. */
import { bytesEqual, decode } from '../../core/codec.ts';
import type { CasResult, GridChange, GridMap, ListenOptions, Unlisten, Versioned, WriteOptions } from '../grid.ts';
import { checkKey, checkVersion, encodeValue, ttlOf } from '../grid-arguments.ts';
import type { MapStore, Watcher } from './embedded-store.ts';

/** What a map needs from the grid handle that made it. */
export interface MapOwner {
  assertOpen(): void;
  track(watcher: Watcher, store: MapStore): void;
  untrack(watcher: Watcher, store: MapStore): void;
}

const lost: CasResult = { ok: false };

export class EmbeddedMapImpl<V> implements GridMap<V> {
  constructor(
    readonly name: string,
    private readonly store: MapStore,
    private readonly owner: MapOwner,
  ) {}

  async get(key: string): Promise<V | undefined> {
    return (await this.getVersioned(key))?.value;
  }

  async getVersioned(key: string): Promise<Versioned<V> | undefined> {
    this.begin(key);
    const e = this.store.live(key);
    return e === undefined ? undefined : { value: decode(e.bytes) as V, version: e.version };
  }

  async set(key: string, value: V, options?: WriteOptions): Promise<number> {
    const [bytes, ttl] = this.prepare(key, value, options);
    const version = (this.store.live(key)?.version ?? 0) + 1;
    this.store.write(key, bytes, version, ttl);
    return version;
  }

  async putIfAbsent(key: string, value: V, options?: WriteOptions): Promise<CasResult> {
    const [bytes, ttl] = this.prepare(key, value, options);
    if (this.store.live(key) !== undefined) return lost;
    this.store.write(key, bytes, 1, ttl);
    return { ok: true, version: 1 };
  }

  async compareAndSetVersion(
    key: string,
    expectedVersion: number,
    value: V,
    options?: WriteOptions,
  ): Promise<CasResult> {
    checkVersion(expectedVersion);
    const [bytes, ttl] = this.prepare(key, value, options);
    const current = this.store.live(key);
    if (current?.version !== expectedVersion) return lost;
    this.store.write(key, bytes, expectedVersion + 1, ttl);
    return { ok: true, version: expectedVersion + 1 };
  }

  async compareAndSetValue(key: string, expected: V, value: V, options?: WriteOptions): Promise<CasResult> {
    const expectedBytes = encodeValue(expected);
    const [bytes, ttl] = this.prepare(key, value, options);
    const current = this.store.live(key);
    if (current === undefined || !bytesEqual(current.bytes, expectedBytes)) return lost;
    this.store.write(key, bytes, current.version + 1, ttl);
    return { ok: true, version: current.version + 1 };
  }

  async delete(key: string): Promise<boolean> {
    this.begin(key);
    if (this.store.live(key) === undefined) return false;
    this.store.remove(key);
    return true;
  }

  async deleteIfVersion(key: string, expectedVersion: number): Promise<boolean> {
    checkVersion(expectedVersion);
    this.begin(key);
    if (this.store.live(key)?.version !== expectedVersion) return false;
    this.store.remove(key);
    return true;
  }

  async entriesWithPrefix(prefix: string): Promise<Array<[string, Versioned<V>]>> {
    this.begin(prefix);
    const out: Array<[string, Versioned<V>]> = [];
    for (const key of [...this.store.entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const e = this.store.live(key);
      if (e !== undefined) out.push([key, { value: decode(e.bytes) as V, version: e.version }]);
    }
    return out;
  }

  async listen(listener: (change: GridChange<V>) => void, options?: ListenOptions): Promise<Unlisten> {
    this.owner.assertOpen();
    const watcher: Watcher = {
      keyPrefix: options?.keyPrefix ?? '',
      deliver: listener as (change: GridChange<unknown>) => void,
    };
    this.owner.track(watcher, this.store);
    return async () => this.owner.untrack(watcher, this.store);
  }

  private begin(key: string): void {
    this.owner.assertOpen();
    checkKey(key);
  }

  /** Checks and encodes before anything is read, so a refused write changes nothing. */
  private prepare(key: string, value: V, options: WriteOptions | undefined): [Uint8Array, number | undefined] {
    this.begin(key);
    return [encodeValue(value), ttlOf(options)];
  }
}
