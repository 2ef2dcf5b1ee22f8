/**
 * The in-process Bus: core messaging in memory (CoreRouter), streams, work queues and
 * key-value buckets on LMDB in the directory given (DurableStore), so they survive closing
 * and reopening the bus on the same directory. Every durable acknowledgement waits for the
 * LMDB commit to be flushed to disk.
 */
import { mkdirSync } from 'node:fs';
import { RavelError } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type {
  Bus,
  BusMessage,
  Headers,
  KeyValue,
  KvBucketConfig,
  MessageHandler,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from '../bus.ts';
import { checkName } from '../subject.ts';
import { CoreRouter } from './core-router.ts';
import { EmbeddedKv } from './embedded-kv.ts';
import { EmbeddedStreams } from './embedded-streams.ts';
import { DurableStore } from './store.ts';

export interface EmbeddedBusOptions {
  /** Where the durable parts live; created if missing. */
  dir: string;
  clock: Clock;
  logger?: Logger;
}

export class EmbeddedBus implements Bus {
  readonly streams: EmbeddedStreams;
  private readonly store: DurableStore;
  private readonly router: CoreRouter;
  private closed = false;

  constructor(options: EmbeddedBusOptions) {
    mkdirSync(options.dir, { recursive: true });
    const log = options.logger ?? silentLogger;
    const guard = (): void => this.guard();
    this.store = new DurableStore(options.dir);
    this.router = new CoreRouter(options.clock, log);
    this.streams = new EmbeddedStreams(this.store, options.clock, log, guard);
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    this.guard();
    this.router.publish(subject, data, options);
  }

  subscribe(subject: string, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    this.guard();
    return this.router.subscribe(subject, handler, options);
  }

  async request(subject: string, data: Uint8Array, options: RequestOptions): Promise<BusMessage> {
    this.guard();
    return this.router.request(subject, data, options);
  }

  respond(msg: BusMessage, data: Uint8Array, headers?: Headers): void {
    this.guard();
    if (msg.reply === undefined) throw new RavelError('INVALID_ARGUMENT', `message on ${msg.subject} asked for no reply`);
    this.router.publish(msg.reply, data, headers === undefined ? {} : { headers });
  }

  async flush(): Promise<void> {
    this.guard();
    // Deliveries are microtasks; they have all run once the next macrotask starts.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async kv(bucket: string, config: KvBucketConfig = {}): Promise<KeyValue> {
    this.guard();
    checkName(bucket, 'bucket');
    const history = config.history ?? 1;
    await this.store.write(() => {
      if (this.store.buckets.get(bucket) === undefined) void this.store.buckets.put(bucket, { revision: 0, history });
    });
    return new EmbeddedKv(this.store, bucket, () => this.guard());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.router.close();
    this.streams.close();
    await this.store.close();
  }

  private guard(): void {
    if (this.closed) throw new RavelError('CLOSED', 'the bus is closed');
  }
}
