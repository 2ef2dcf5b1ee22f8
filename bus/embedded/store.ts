/**
 * The embedded bus's durable state on LMDB: one environment in the directory given, one
 * sub-database per kind of record. Every write goes through `write`, which resolves only once
 * LMDB reports the commit flushed to disk: lmdb-js runs with `overlappingSync` on by default and
 * resolves a commit before its fsync, so `write` also awaits `root.flushed`.
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import type { Headers, StreamConfig } from '../bus.ts';

export interface StreamRecord {
  config: StreamConfig;
  firstSeq: number;
  lastSeq: number;
  messages: number;
  bytes: number;
}

export interface MessageRecord {
  subject: string;
  data: Uint8Array;
  headers: Headers;
  time: number;
}

export interface ConsumerRecord {
  filterSubject: string | undefined;
  /** The next sequence never yet delivered. */
  nextSeq: number;
}

/** A message delivered and not yet acknowledged or given up on. */
export interface PendingRecord {
  deliveries: number;
  /** When it may be delivered again (ms on the bus's clock). */
  deliverAt: number;
}

export interface BucketRecord {
  revision: number;
  history: number;
}

export interface KvRecord {
  value: Uint8Array;
  revision: number;
  deleted: boolean;
}

export type StreamKey = [string, number];
export type ConsumerKey = [string, string];
export type PendingKey = [string, string, number];

export class DurableStore {
  readonly root: RootDatabase;
  readonly streams: Database<StreamRecord, string>;
  readonly messages: Database<MessageRecord, StreamKey>;
  /** [stream, msgId] → seq and time; [stream, time, msgId] indexes it for expiry. */
  readonly dedup: Database<{ seq: number; time: number }, [string, string]>;
  readonly dedupByTime: Database<true, [string, number, string]>;
  readonly consumers: Database<ConsumerRecord, ConsumerKey>;
  readonly pending: Database<PendingRecord, PendingKey>;
  readonly buckets: Database<BucketRecord, string>;
  readonly kv: Database<KvRecord, [string, string]>;

  constructor(dir: string) {
    this.root = open({ path: dir, maxDbs: 16, overlappingSync: true });
    this.streams = this.root.openDB('streams', {});
    this.messages = this.root.openDB('messages', {});
    this.dedup = this.root.openDB('dedup', {});
    this.dedupByTime = this.root.openDB('dedup-by-time', {});
    this.consumers = this.root.openDB('consumers', {});
    this.pending = this.root.openDB('pending', {});
    this.buckets = this.root.openDB('buckets', {});
    this.kv = this.root.openDB('kv', {});
  }

  /** Runs `fn` in one write transaction; resolves with its result once it is on disk. */
  async write<T>(fn: () => T): Promise<T> {
    const result = await this.root.transaction(fn);
    await this.root.flushed;
    return result;
  }

  async close(): Promise<void> {
    await this.root.flushed;
    await this.root.close();
  }
}

/** The largest sequence usable as the end of a key range. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;
