/**
 * The Grid of cluster mode: hazelcast-client against real members. Values are stored as
 * envelope Buffers (envelope.ts); conditions are checked by members comparing bytes, so no
 * Java class is deployed on them. No near cache is configured: grid values are actor state
 * and leases, and must never be served stale.
 *
 * A client that loses every member for longer than its connect timeout shuts itself down; the
 * grid then connects a new one in the background, over and over until a member answers (calls
 * meanwhile fail with UNAVAILABLE), and adds every live listener to it again. Changes made while
 * no client was connected are not replayed to listeners: after a full cluster loss the members'
 * data is gone anyway, and the runtime reloads from the durable record.
 */
import type { Client } from 'hazelcast-client';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { Grid, GridMap, IdRange } from '../grid.ts';
import { checkIdCount, checkName, closedError } from '../grid-arguments.ts';
import { guarded } from './hazelcast-errors.ts';
import { allocateRange, sequencesMap } from './hazelcast-ids.ts';
import { HazelcastMapImpl, type MapHost, type StoredMap } from './hazelcast-map.ts';
import { connectClient, type ConnectOptions } from './hazelcast-connect.ts';

export interface HazelcastGridOptions {
  /** host:port of members to reach first; the client learns the rest. */
  members: readonly string[];
  clusterName: string;
  /** How long connect() waits for the cluster before UNAVAILABLE. Default 10 s. */
  connectTimeoutMs?: number;
  /** How long one call waits (through reconnects and retries) before UNAVAILABLE. Default 10 s. */
  callTimeoutMs?: number;
  log?: Logger;
}

const pingMap = 'ravel.ping';
/** Pause between two attempts to connect a new client after the cluster was lost. */
const reconnectPauseMs = 1000;

export class HazelcastGrid implements Grid, MapHost {
  private closed = false;
  private client: Client;
  private reconnecting: Promise<void> | undefined;
  private readonly maps = new Map<string, Promise<StoredMap>>();
  private readonly listeners = new Set<LiveListener>();

  private constructor(
    client: Client,
    private readonly connectOptions: ConnectOptions,
    readonly log: Logger,
  ) {
    this.client = client;
  }

  /** Connects, or throws UNAVAILABLE once connectTimeoutMs has passed without a cluster. */
  static async connect(options: HazelcastGridOptions): Promise<HazelcastGrid> {
    const log = options.log ?? silentLogger;
    const connectOptions: ConnectOptions = {
      members: options.members,
      clusterName: options.clusterName,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      callTimeoutMs: options.callTimeoutMs ?? 10_000,
      log,
      // Only called once connected, after `grid` below is set.
      onLost: () => grid.lost(),
    };
    const grid: HazelcastGrid = new HazelcastGrid(await connectClient(connectOptions), connectOptions, log);
    return grid;
  }

  /** Adds a map listener to the current client, and to every client connected after a loss. */
  async addListener(name: string, add: (m: StoredMap) => Promise<string>): Promise<() => Promise<void>> {
    const live: LiveListener = { name, add, current: undefined };
    await this.attach(live);
    this.listeners.add(live);
    return async () => {
      this.listeners.delete(live);
      const at = live.current;
      live.current = undefined;
      if (at !== undefined) await guarded('grid unlisten', () => at.map.removeEntryListener(at.id));
    };
  }

  private async attach(live: LiveListener): Promise<void> {
    const map = await this.imap(live.name);
    live.current = { map, id: await guarded('grid listen', () => live.add(map)) };
  }

  private lost(): void {
    if (this.closed || this.reconnecting !== undefined) return;
    this.log.error('lost every Hazelcast member; connecting a new client in the background');
    this.reconnecting = this.reconnect().finally(() => (this.reconnecting = undefined));
  }

  private async reconnect(): Promise<void> {
    while (!this.closed) {
      try {
        const client = await connectClient(this.connectOptions);
        if (this.closed) {
          await client.shutdown();
          return;
        }
        this.client = client;
        this.maps.clear();
        for (const live of this.listeners) {
          live.current = undefined;
          await this.attach(live).catch((e: unknown) => this.log.warn({ err: e, map: live.name }, 'grid listener not restored'));
        }
        this.log.info('connected to the Hazelcast cluster again');
        return;
      } catch (e) {
        this.log.warn({ err: e }, 'Hazelcast cluster still unreachable');
        await new Promise((r) => setTimeout(r, reconnectPauseMs).unref());
      }
    }
  }

  map<V>(name: string): GridMap<V> {
    this.assertOpen();
    checkName('map', name);
    return new HazelcastMapImpl<V>(name, this);
  }

  async allocateIds(sequence: string, count: number): Promise<IdRange> {
    this.assertOpen();
    checkName('sequence', sequence);
    checkIdCount(count);
    return allocateRange(await this.imap(sequencesMap), sequence, count);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    const m = await this.imap(pingMap);
    await guarded('grid ping', () => m.containsKey('ping'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.shutdown();
  }

  assertOpen(): void {
    if (this.closed) throw closedError();
  }

  imap(name: string): Promise<StoredMap> {
    let m = this.maps.get(name);
    if (m === undefined) {
      m = guarded('grid map', () => this.client.getMap<string, Buffer>(name));
      // A failed lookup is not remembered: the next call tries again.
      m.catch(() => this.maps.delete(name));
      this.maps.set(name, m);
    }
    return m;
  }
}

/** A listener the grid keeps alive across clients: how to add it, and where it is now. */
interface LiveListener {
  readonly name: string;
  readonly add: (m: StoredMap) => Promise<string>;
  current: { readonly map: StoredMap; readonly id: string } | undefined;
}
