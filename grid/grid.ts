/**
 * The Grid seam: the hot, replicated, partitioned state of the cluster.
 *
 * Implementations: `HazelcastGrid` (grid/hazelcast/, hazelcast-client against real members)
 * and `EmbeddedGrid` (grid/embedded/, in-process, for embedded mode and unit tests). Both pass
 * the one conformance suite in grid/grid.conformance.ts.
 *
 * Values are encoded with core/codec (msgpackr; integers beyond 2^53 round-trip as bigint).
 * Members cannot look inside those bytes, so there is no query by field: keep an index map
 * beside the data where one is needed, and list by key prefix.
 *
 * The grid is not the durable authority of anything: it may lose data if more members die
 * than its backup count covers. Durable state sits behind it (see actors/ and bus/).
 */
import type { Closeable } from '../core/lifecycle.ts';

/** A value with the version the grid gave it. Versions start at 1 and grow by one a write. */
export interface Versioned<V> {
  readonly value: V;
  readonly version: number;
}

export interface WriteOptions {
  /**
   * The entry disappears this long after this write (a lease). Absent: it lives until
   * deleted. Expiry is at least this long; the embedded grid expires on its Clock, Hazelcast
   * on the members' clocks with up to about two seconds of lateness. Code that needs exact
   * expiry keeps its own deadline inside the value and uses TTL to clean up.
   */
  ttlMs?: number;
}

/** The outcome of a conditional write: the new version, or why it did not happen. */
export type CasResult = { readonly ok: true; readonly version: number } | { readonly ok: false };

export type GridChange<V> =
  | { readonly type: 'set'; readonly key: string; readonly value: V; readonly version: number }
  | { readonly type: 'deleted'; readonly key: string }
  | { readonly type: 'expired'; readonly key: string };

export interface ListenOptions {
  /** Only changes to keys that start with this. */
  keyPrefix?: string;
}

export type Unlisten = () => Promise<void>;

/** A named partitioned map. Keys are strings; values any codec-encodable value. */
export interface GridMap<V> {
  readonly name: string;

  get(key: string): Promise<V | undefined>;
  getVersioned(key: string): Promise<Versioned<V> | undefined>;

  /** Writes unconditionally; answers the new version. */
  set(key: string, value: V, options?: WriteOptions): Promise<number>;

  /** Writes only if the key is absent (version 1). */
  putIfAbsent(key: string, value: V, options?: WriteOptions): Promise<CasResult>;

  /** Writes only if the entry's current version is `expectedVersion`. */
  compareAndSetVersion(
    key: string,
    expectedVersion: number,
    value: V,
    options?: WriteOptions,
  ): Promise<CasResult>;

  /** Writes only if the entry's current value encodes to the same bytes as `expected`. */
  compareAndSetValue(key: string, expected: V, value: V, options?: WriteOptions): Promise<CasResult>;

  /** Deletes; answers whether there was an entry. */
  delete(key: string): Promise<boolean>;

  /** Deletes only if the entry's current version is `expectedVersion`. */
  deleteIfVersion(key: string, expectedVersion: number): Promise<boolean>;

  /** Every live entry whose key starts with `prefix` (all entries for ''), in no set order. */
  entriesWithPrefix(prefix: string): Promise<Array<[string, Versioned<V>]>>;

  /**
   * Calls `listener` for every change made after the returned promise resolves, from any
   * member or client. Delivery is at most once and in order per key; a listener must not
   * assume it sees every intermediate version.
   */
  listen(listener: (change: GridChange<V>) => void, options?: ListenOptions): Promise<Unlisten>;
}

/** A range of cluster-wide unique ids, `first` to `first + count - 1`, all below 2^53. */
export interface IdRange {
  readonly first: number;
  readonly count: number;
}

export interface Grid extends Closeable {
  /**
   * The map of that name. Names: letters, digits, `.`, `_`, `-`, at most 100 characters;
   * anything else throws INVALID_ARGUMENT.
   */
  map<V>(name: string): GridMap<V>;

  /**
   * Reserves `count` (1 to 1,000,000) consecutive ids of the named sequence, unique across the
   * cluster for its life. Ids start at 1. Throws UNAVAILABLE past 2^53.
   */
  allocateIds(sequence: string, count: number): Promise<IdRange>;

  /** Resolves when the grid answers; throws UNAVAILABLE otherwise. For /readyz. */
  ping(): Promise<void>;
}
