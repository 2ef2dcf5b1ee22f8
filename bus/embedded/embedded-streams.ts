/** Streams and work queues of the embedded bus, on the DurableStore. */
import { RavelError } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type {
  Consumer,
  DurablePublishOptions,
  PublishAck,
  ReplayOptions,
  StoredMessage,
  StreamConfig,
  Streams,
  WorkMessage,
  WorkQueueOptions,
} from '../bus.ts';
import { checkName, checkSubject, subjectMatches, subjectsOverlap } from '../subject.ts';
import { appendInTxn, applyLimits, dropStreamInTxn } from './stream-log.ts';
import { MAX_SEQ, type DurableStore, type MessageRecord, type StreamRecord } from './store.ts';
import { Wakeups, untilAborted } from './wakeups.ts';
import { WorkQueueEngine } from './work-queue.ts';
import { checkStreamConfig, checkWorkQueueOptions } from '../stream-options.ts';

export class EmbeddedStreams implements Streams {
  private readonly configs = new Map<string, StreamConfig>();
  private readonly wakeups = new Wakeups();
  private readonly engines = new Map<string, { engine: WorkQueueEngine; unlisten: () => void }>();
  private closed = false;

  constructor(
    private readonly store: DurableStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly guard: () => void,
  ) {
    for (const { key, value } of store.streams.getRange()) this.configs.set(key, value.config);
  }

  async ensure(config: StreamConfig): Promise<void> {
    this.guard();
    checkStreamConfig(config);
    for (const [name, other] of this.configs) {
      if (name === config.name) continue;
      const clash = config.subjects.find((s) => other.subjects.some((o) => subjectsOverlap(s, o)));
      if (clash !== undefined) {
        throw new RavelError('CONFLICT', `stream ${config.name}: subject ${clash} overlaps stream ${name}`);
      }
    }
    const cfg = structuredClone(config);
    const outcome = await this.store.write(() => {
      const rec = this.store.streams.get(cfg.name);
      if (rec !== undefined && rec.config.retention !== cfg.retention) return 'retention';
      const next: StreamRecord = rec === undefined ? { config: cfg, firstSeq: 1, lastSeq: 0, messages: 0, bytes: 0 } : { ...rec, config: cfg };
      void this.store.streams.put(cfg.name, applyLimits(this.store, cfg.name, next, this.clock.now()));
      return 'ok';
    });
    if (outcome === 'retention') throw new RavelError('INVALID_ARGUMENT', `stream ${cfg.name}: retention cannot change`);
    this.configs.set(cfg.name, cfg);
  }

  async delete(name: string): Promise<void> {
    this.guard();
    checkName(name, 'stream');
    const existed = await this.store.write(() => {
      if (this.store.streams.get(name) === undefined) return false;
      dropStreamInTxn(this.store, name);
      return true;
    });
    if (!existed) throw notFound(name);
    this.configs.delete(name);
    for (const [key, { engine, unlisten }] of this.engines) {
      if (engine.stream !== name) continue;
      engine.stop();
      unlisten();
      this.engines.delete(key);
    }
    this.wakeups.fire(name);
  }

  async info(name: string): Promise<{ firstSeq: number; lastSeq: number; messages: number }> {
    this.guard();
    checkName(name, 'stream');
    const rec = this.store.streams.get(name);
    if (rec === undefined) throw notFound(name);
    return { firstSeq: rec.firstSeq, lastSeq: rec.lastSeq, messages: rec.messages };
  }

  async publish(subject: string, data: Uint8Array, options: DurablePublishOptions = {}): Promise<PublishAck> {
    this.guard();
    checkSubject(subject);
    if (options.msgId !== undefined && options.msgId === '') throw new RavelError('INVALID_ARGUMENT', 'msgId is empty');
    const stream = [...this.configs.values()].find((c) => c.subjects.some((p) => subjectMatches(p, subject)))?.name;
    if (stream === undefined) throw new RavelError('NOT_FOUND', `no stream captures ${subject}`, { details: { subject } });
    const copy = Uint8Array.prototype.slice.call(data);
    const r = await this.store.write(() => appendInTxn(this.store, stream, subject, copy, options, this.clock.now()));
    switch (r.kind) {
      case 'missing':
        throw notFound(stream);
      case 'conflict':
        throw new RavelError('CONFLICT', `stream ${stream}: last sequence is ${r.lastSeq}, not ${options.expectedLastSeq}`, {
          details: { stream, lastSeq: r.lastSeq },
        });
      case 'duplicate':
        return { stream, seq: r.seq, duplicate: true };
      case 'stored':
        this.wakeups.fire(stream, subject);
        return { stream, seq: r.seq, duplicate: false };
    }
  }

  async get(stream: string, seq: number): Promise<StoredMessage | undefined> {
    this.guard();
    checkName(stream, 'stream');
    if (!this.configs.has(stream)) throw notFound(stream);
    const m = this.store.messages.get([stream, seq]);
    return m === undefined ? undefined : stored(stream, seq, m);
  }

  async *replay(stream: string, options: ReplayOptions = {}, signal?: AbortSignal): AsyncIterable<StoredMessage> {
    this.guard();
    checkName(stream, 'stream');
    if (options.filterSubject !== undefined) checkSubject(options.filterSubject, true);
    if (!this.configs.has(stream)) throw notFound(stream);
    let next = Math.max(1, options.fromSeq ?? 1);
    const done = (): boolean => signal?.aborted === true || this.closed || !this.configs.has(stream);
    while (!done()) {
      const woken = this.wakeups.next(stream);
      const batch = Array.from(this.store.messages.getRange({ start: [stream, next], end: [stream, MAX_SEQ], limit: 256 }));
      for (const { key, value } of batch) {
        next = key[1] + 1;
        if (options.filterSubject !== undefined && !subjectMatches(options.filterSubject, value.subject)) continue;
        yield stored(stream, key[1], value);
        if (done()) return;
      }
      if (batch.length === 0) await untilAborted(woken, signal);
    }
  }

  async consume(stream: string, options: WorkQueueOptions, handler: (msg: WorkMessage) => Promise<void>): Promise<Consumer> {
    this.guard();
    checkName(stream, 'stream');
    checkWorkQueueOptions(options);
    if (!this.configs.has(stream)) throw notFound(stream);
    const filterSubject = options.filterSubject;
    await this.store.write(() => {
      const rec = this.store.consumers.get([stream, options.consumer]);
      void this.store.consumers.put([stream, options.consumer], { nextSeq: rec?.nextSeq ?? 1, filterSubject });
    });
    const key = `${stream}\u0000${options.consumer}`;
    let entry = this.engines.get(key);
    if (entry === undefined) {
      const engine = new WorkQueueEngine(this.store, this.clock, this.log, stream, options, () => this.configs.get(stream)?.retention === 'workqueue');
      entry = { engine, unlisten: this.wakeups.listen(stream, (subject) => engine.stored(subject)) };
      this.engines.set(key, entry);
    } else {
      entry.engine.configure(options);
    }
    const { engine, unlisten } = entry;
    const detach = engine.attach(handler);
    return {
      stop: async () => {
        detach();
        if (!engine.idle || this.engines.get(key)?.engine !== engine) return;
        engine.stop();
        unlisten();
        this.engines.delete(key);
      },
    };
  }

  /** Ends replays and stops consumers. */
  close(): void {
    this.closed = true;
    for (const { engine } of this.engines.values()) engine.stop();
    this.engines.clear();
    this.wakeups.fireAll();
  }
}

function stored(stream: string, seq: number, m: MessageRecord): StoredMessage {
  return { stream, subject: m.subject, seq, data: m.data, headers: m.headers, time: m.time };
}

function notFound(stream: string): RavelError {
  return new RavelError('NOT_FOUND', `no stream ${stream}`, { details: { stream } });
}
