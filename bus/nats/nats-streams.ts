/** Streams on JetStream: jsm for ensure/info/delete, js.publish with msgID and expectations. */
import {
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type OrderedConsumerOptions,
  type StreamConfig as JsStreamConfig,
} from 'nats';
import { RavelError } from '../../core/errors.ts';
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
import { checkStreamConfig, checkWorkQueueOptions } from '../stream-options.ts';
import { checkName, checkSubject } from '../subject.ts';
import { beforeReconnect, fromNatsHeaders, mapError, msToNanos, PULL_EXPIRES_MS, toNatsHeaders, type NatsContext } from './nats-context.ts';
import { JsErr, jsErrCode } from './nats-errors.ts';
import { startConsumer } from './nats-work-queue.ts';

const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
const WHY_NO_RESPONDERS_MS = 1000;

export class NatsStreams implements Streams {
  constructor(private readonly ctx: NatsContext) {}

  async ensure(config: StreamConfig): Promise<void> {
    this.ctx.guard();
    checkStreamConfig(config);
    const cfg: Partial<JsStreamConfig> = {
      name: config.name,
      subjects: [...config.subjects],
      retention: config.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: config.replicas ?? this.ctx.replicas,
      discard: DiscardPolicy.Old,
      max_age: config.maxAgeMs === undefined ? 0 : msToNanos(config.maxAgeMs),
      max_msgs: config.maxMessages ?? -1,
      max_bytes: config.maxBytes ?? -1,
      duplicate_window: msToNanos(config.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
    };
    try {
      const exists = await this.ctx.jsm.streams.info(config.name).then(
        () => true,
        (e: unknown) => {
          if (jsErrCode(e) === JsErr.streamNotFound) return false;
          throw e;
        },
      );
      if (exists) await this.ctx.jsm.streams.update(config.name, cfg);
      else await this.ctx.jsm.streams.add(cfg);
    } catch (e) {
      throw mapError(this.ctx, e, `ensure stream ${config.name}`);
    }
  }

  async delete(name: string): Promise<void> {
    this.ctx.guard();
    checkName(name, 'stream');
    try {
      await this.ctx.jsm.streams.delete(name);
    } catch (e) {
      throw mapError(this.ctx, e, `delete stream ${name}`);
    }
  }

  async info(name: string): Promise<{ firstSeq: number; lastSeq: number; messages: number }> {
    this.ctx.guard();
    checkName(name, 'stream');
    try {
      const { state } = await this.ctx.jsm.streams.info(name);
      return { firstSeq: state.first_seq, lastSeq: state.last_seq, messages: state.messages };
    } catch (e) {
      throw mapError(this.ctx, e, `stream info ${name}`);
    }
  }

  async publish(subject: string, data: Uint8Array, options: DurablePublishOptions = {}): Promise<PublishAck> {
    this.ctx.guard();
    checkSubject(subject);
    if (options.msgId === '') throw new RavelError('INVALID_ARGUMENT', 'msgId is empty');
    const h = toNatsHeaders(options.headers);
    try {
      const sent = this.ctx.js.publish(subject, data, {
        ...(h === undefined ? {} : { headers: h }),
        ...(options.msgId === undefined ? {} : { msgID: options.msgId }),
        ...(options.expectedLastSeq === undefined ? {} : { expect: { lastSequence: options.expectedLastSeq } }),
      });
      const ack = await beforeReconnect(this.ctx, `publish to ${subject}`, sent);
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (e) {
      if (e instanceof RavelError) throw e;
      throw mapError(this.ctx, e, `publish to ${subject}`, { noRespondersMeans: await this.whyNoResponders(subject) });
    }
  }

  /**
   * Nobody answered a JetStream publish: no stream captures it, or its stream has no leader now.
   * Asked for at most WHY_NO_RESPONDERS_MS: JetStream starting after a server restart answers
   * publishes with no responders and may leave this question unanswered for the whole call
   * timeout (30 s for a host's agent), all that while holding up the publish's retry.
   */
  private async whyNoResponders(subject: string): Promise<'NOT_FOUND' | 'UNAVAILABLE'> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'UNAVAILABLE'>((resolve) => (timer = setTimeout(() => resolve('UNAVAILABLE'), WHY_NO_RESPONDERS_MS)));
    const asked = (async (): Promise<'NOT_FOUND' | 'UNAVAILABLE'> => {
      for await (const name of this.ctx.jsm.streams.names(subject)) if (name !== '') return 'UNAVAILABLE';
      return 'NOT_FOUND';
    })().catch((): 'UNAVAILABLE' => 'UNAVAILABLE');
    try {
      return await Promise.race([asked, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async get(stream: string, seq: number): Promise<StoredMessage | undefined> {
    this.ctx.guard();
    checkName(stream, 'stream');
    try {
      const m = await this.ctx.jsm.streams.getMessage(stream, { seq });
      return { stream, subject: m.subject, seq: m.seq, data: m.data, headers: fromNatsHeaders(m.header), time: m.time.getTime() };
    } catch (e) {
      if (jsErrCode(e) === JsErr.noMessageFound) return undefined;
      throw mapError(this.ctx, e, `get ${stream}#${seq}`);
    }
  }

  async *replay(stream: string, options: ReplayOptions = {}, signal?: AbortSignal): AsyncIterable<StoredMessage> {
    this.ctx.guard();
    checkName(stream, 'stream');
    if (options.filterSubject !== undefined) checkSubject(options.filterSubject, true);
    // Always by start sequence: nats-server 2.9 refuses DeliverAll with a start sequence set.
    const opts: Partial<OrderedConsumerOptions> = {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, options.fromSeq ?? 1),
    };
    if (options.filterSubject !== undefined) opts.filterSubjects = options.filterSubject;
    let messages;
    try {
      await this.ctx.jsm.streams.info(stream);
      messages = await (await this.ctx.js.consumers.get(stream, opts)).consume({ expires: PULL_EXPIRES_MS });
    } catch (e) {
      throw mapError(this.ctx, e, `replay ${stream}`);
    }
    const iter = messages;
    // Not awaited: closing deletes the server-side consumer, which must not hold up the reader.
    const stop = async (): Promise<void> => void iter.close().catch(() => undefined);
    const untrack = this.ctx.track(stop);
    const onAbort = (): void => void stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    const aborted = (): boolean => signal?.aborted === true;
    try {
      if (aborted()) return;
      for await (const m of iter) {
        yield { stream, subject: m.subject, seq: m.seq, data: m.data, headers: fromNatsHeaders(m.headers), time: Math.floor(m.info.timestampNanos / 1_000_000) };
        if (aborted()) return;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      untrack();
      await stop();
    }
  }

  async consume(stream: string, options: WorkQueueOptions, handler: (msg: WorkMessage) => Promise<void>): Promise<Consumer> {
    this.ctx.guard();
    checkName(stream, 'stream');
    checkWorkQueueOptions(options);
    return startConsumer(this.ctx, stream, options, handler);
  }
}
