/**
 * One named map of a HazelcastGrid. Every write is a compare-and-set on the stored envelope
 * (grid/hazelcast/envelope.ts): read, decide, then putIfAbsent or replaceIfSame, and again if
 * another writer got there first. Members compare the serialized bytes, so no Java class is
 * needed on them.
 */
import { type IMap, type MapListener, type EntryEvent } from 'hazelcast-client';
import { bytesEqual } from '../../core/codec.ts';
import { RavelError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { CasResult, GridChange, GridMap, ListenOptions, Unlisten, Versioned, WriteOptions } from '../grid.ts';
import { checkKey, checkVersion, encodeValue, ttlOf } from '../grid-arguments.ts';
import { open, openValue, seal, type Envelope } from './envelope.ts';
import { guarded } from './hazelcast-errors.ts';
import { keyPrefixPredicate } from './key-prefix.ts';

export type StoredMap = IMap<string, Buffer>;

/** What a map needs from the grid that made it. */
export interface MapHost {
  assertOpen(): void;
  imap(name: string): Promise<StoredMap>;
  /** Adds a listener that outlives a change of client; answers how to remove it. */
  addListener(name: string, add: (m: StoredMap) => Promise<string>): Promise<() => Promise<void>>;
  readonly log: Logger;
}

const lost: CasResult = { ok: false };
/** Rounds of repairing a TTL that a racing writer may have overwritten (see settleTtl). */
const ttlRepairRounds = 10;

/**
 * The TTL sent to members for a requested one (0: none). Members keep expiry times coarsely
 * and were seen to expire an entry a quarter second early, so the TTL is rounded up to whole
 * seconds plus one: an entry lives at least as long as asked, and up to about two seconds more.
 */
function memberTtl(ttlMs: number): number {
  return ttlMs === 0 ? 0 : Math.ceil(ttlMs / 1000) * 1000 + 1000;
}

export class HazelcastMapImpl<V> implements GridMap<V> {
  constructor(
    readonly name: string,
    private readonly host: MapHost,
  ) {}

  async get(key: string): Promise<V | undefined> {
    return (await this.getVersioned(key))?.value;
  }

  async getVersioned(key: string): Promise<Versioned<V> | undefined> {
    const m = await this.begin(key);
    const raw = await guarded('grid get', () => m.get(key));
    return raw === null ? undefined : openValue<V>(raw);
  }

  async set(key: string, value: V, options?: WriteOptions): Promise<number> {
    const r = await this.write(key, value, options, () => true);
    if (!r.ok) throw new RavelError('INTERNAL', 'an unconditional write lost');
    return r.version;
  }

  putIfAbsent(key: string, value: V, options?: WriteOptions): Promise<CasResult> {
    return this.write(key, value, options, (cur) => cur === undefined);
  }

  async compareAndSetVersion(
    key: string,
    expectedVersion: number,
    value: V,
    options?: WriteOptions,
  ): Promise<CasResult> {
    checkVersion(expectedVersion);
    return this.write(key, value, options, (cur) => cur?.version === expectedVersion);
  }

  async compareAndSetValue(key: string, expected: V, value: V, options?: WriteOptions): Promise<CasResult> {
    const expectedBytes = encodeValue(expected);
    return this.write(key, value, options, (cur) => cur !== undefined && bytesEqual(cur.value, expectedBytes));
  }

  async delete(key: string): Promise<boolean> {
    const m = await this.begin(key);
    return (await guarded('grid delete', () => m.remove(key))) !== null;
  }

  async deleteIfVersion(key: string, expectedVersion: number): Promise<boolean> {
    checkVersion(expectedVersion);
    const m = await this.begin(key);
    for (;;) {
      const raw = await guarded('grid get', () => m.get(key));
      if (raw === null || open(raw).version !== expectedVersion) return false;
      if (await guarded('grid delete', () => m.remove(key, raw))) return true;
    }
  }

  async entriesWithPrefix(prefix: string): Promise<Array<[string, Versioned<V>]>> {
    const m = await this.begin(prefix);
    const predicate = keyPrefixPredicate(prefix);
    const entries = await guarded('grid list', () =>
      predicate === undefined ? m.entrySet() : m.entrySetWithPredicate(predicate),
    );
    return entries.filter(([k]) => k.startsWith(prefix)).map(([k, raw]) => [k, openValue<V>(raw)]);
  }

  async listen(listener: (change: GridChange<V>) => void, options?: ListenOptions): Promise<Unlisten> {
    const prefix = options?.keyPrefix ?? '';
    await this.begin(prefix);
    const deliver = (make: () => GridChange<V>, key: string): void => {
      if (!key.startsWith(prefix)) return;
      try {
        listener(make());
      } catch (e) {
        this.host.log.warn({ err: e, map: this.name, key }, 'grid listener threw');
      }
    };
    const setEvent = (e: EntryEvent<string, Buffer>): void =>
      deliver(() => ({ type: 'set', key: e.key, ...openValue<V>(e.value) }), e.key);
    const deleted = (e: EntryEvent<string, Buffer>): void => deliver(() => ({ type: 'deleted', key: e.key }), e.key);
    const handlers: MapListener<string, Buffer> = {
      added: setEvent,
      updated: setEvent,
      removed: deleted,
      evicted: deleted,
      expired: (e) => deliver(() => ({ type: 'expired', key: e.key }), e.key),
    };
    const predicate = keyPrefixPredicate(prefix);
    return this.host.addListener(this.name, (m) =>
      predicate === undefined
        ? m.addEntryListener(handlers, undefined, true)
        : m.addEntryListenerWithPredicate(handlers, predicate, undefined, true),
    );
  }

  private async begin(key: string): Promise<StoredMap> {
    this.host.assertOpen();
    checkKey(key);
    return this.host.imap(this.name);
  }

  /** The compare-and-set loop under every write; `decide` sees the current entry each round. */
  private async write(
    key: string,
    value: V,
    options: WriteOptions | undefined,
    decide: (current: Envelope | undefined) => boolean,
  ): Promise<CasResult> {
    this.host.assertOpen();
    checkKey(key);
    const bytes = encodeValue(value);
    const ttl = ttlOf(options);
    const m = await this.host.imap(this.name);
    for (;;) {
      const raw = await guarded('grid get', () => m.get(key));
      const current = raw === null ? undefined : open(raw);
      if (!decide(current)) return lost;
      const version = (current?.version ?? 0) + 1;
      const next = seal(version, ttl, bytes);
      if (raw === null) {
        const prev = await guarded('grid write', () =>
          ttl === undefined ? m.putIfAbsent(key, next) : m.putIfAbsent(key, next, memberTtl(ttl)),
        );
        if (prev === null) return { ok: true, version };
      } else if (await guarded('grid write', () => m.replaceIfSame(key, raw, next))) {
        // replaceIfSame clears the entry's TTL; a write that wants one sets it after.
        if (ttl !== undefined) await this.settleTtl(m, key, next, ttl);
        return { ok: true, version };
      }
    }
  }

  /**
   * Sets the TTL of the entry just written. A writer that replaced it in between may have had
   * its own TTL overwritten by this call, so when the entry is no longer ours, give it the TTL
   * its own envelope asks for (0: none), until what we set matches what is there. A client
   * that dies between the replace and this leaves the entry without a TTL: code that needs
   * expiry keeps its own deadline in the value (grid.ts), and TTL only cleans up.
   */
  private async settleTtl(m: StoredMap, key: string, written: Buffer, ttl: number): Promise<void> {
    let expected = written;
    let ttlMs = ttl;
    for (let round = 0; round < ttlRepairRounds; round++) {
      await guarded('grid ttl', () => m.setTtl(key, memberTtl(ttlMs)));
      const now = await guarded('grid get', () => m.get(key));
      if (now === null || bytesEqual(now, expected)) return;
      expected = now;
      ttlMs = open(now).ttlMs;
    }
    this.host.log.warn({ map: this.name, key }, 'grid TTL still contended after repair rounds');
  }
}
