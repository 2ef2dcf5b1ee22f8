/**
 * The Grid of cluster mode: hazelcast-client against real members. Values are stored as
 * envelope Buffers (envelope.ts); conditions are checked by members comparing bytes, so no
 * Java class is deployed on them. No near cache is configured: grid values are actor state
 * and leases, and must never be served stale.
 */
import type { Client } from 'hazelcast-client';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { Grid, GridMap, IdRange } from '../grid.ts';
import { checkIdCount, checkName, closedError } from '../grid-arguments.ts';
import { guarded } from './hazelcast-errors.ts';
import { allocateRange, sequencesMap } from './hazelcast-ids.ts';
import { HazelcastMapImpl, type MapHost, type StoredMap } from './hazelcast-map.ts';
import { connectClient } from './hazelcast-connect.ts';

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

export class HazelcastGrid implements Grid, MapHost {
  private closed = false;
  private readonly maps = new Map<string, Promise<StoredMap>>();

  private constructor(
    private readonly client: Client,
    readonly log: Logger,
  ) {}

  /** Connects, or throws UNAVAILABLE once connectTimeoutMs has passed without a cluster. */
  static async connect(options: HazelcastGridOptions): Promise<HazelcastGrid> {
    const log = options.log ?? silentLogger;
    const client = await connectClient({
      members: options.members,
      clusterName: options.clusterName,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      callTimeoutMs: options.callTimeoutMs ?? 10_000,
      log,
    });
    return new HazelcastGrid(client, log);
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
