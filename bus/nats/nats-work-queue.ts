/** A durable JetStream pull consumer behind `Streams.consume`. */
import { AckPolicy, DeliverPolicy, type ConsumerConfig, type JsMsg } from 'nats';
import type { Consumer, WorkMessage, WorkQueueOptions } from '../bus.ts';
import { beforeReconnect, fromNatsHeaders, mapError, msToNanos, PULL_EXPIRES_MS, type NatsContext } from './nats-context.ts';
import { JsErr, jsErrCode } from './nats-errors.ts';

export async function ensureConsumer(ctx: NatsContext, stream: string, options: WorkQueueOptions): Promise<void> {
  const wanted: Partial<ConsumerConfig> = {
    ack_wait: msToNanos(options.ackWaitMs),
    max_deliver: options.maxDeliver ?? -1,
    max_ack_pending: options.maxInFlight ?? 1,
  };
  try {
    const info = await ctx.jsm.consumers.info(stream, options.consumer).catch((e: unknown) => {
      if (jsErrCode(e) === JsErr.consumerNotFound) return undefined;
      throw e;
    });
    if (info === undefined) {
      await ctx.jsm.consumers.add(stream, {
        ...wanted,
        durable_name: options.consumer,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ...(options.filterSubject === undefined ? {} : { filter_subject: options.filterSubject }),
      });
    } else if (
      info.config.ack_wait !== wanted.ack_wait ||
      info.config.max_deliver !== wanted.max_deliver ||
      info.config.max_ack_pending !== wanted.max_ack_pending
    ) {
      await ctx.jsm.consumers.update(stream, options.consumer, wanted);
    }
  } catch (e) {
    throw mapError(ctx, e, `consumer ${stream}/${options.consumer}`);
  }
}

export async function startConsumer(
  ctx: NatsContext,
  stream: string,
  options: WorkQueueOptions,
  handler: (msg: WorkMessage) => Promise<void>,
): Promise<Consumer> {
  await ensureConsumer(ctx, stream, options);
  let messages;
  try {
    const c = await ctx.js.consumers.get(stream, options.consumer);
    // Bound: after a reconnection nats.js pulls again at once, where it would first ask for the
    // consumer's info, a request that JetStream may leave unanswered while it starts up after a
    // restart (the agent then took no commands for its whole call timeout, 30 s). The consumer is
    // durable and made by the control plane; a missed heartbeat still makes it pull again.
    messages = await c.consume({ max_messages: options.maxInFlight ?? 1, expires: PULL_EXPIRES_MS, bind: true });
  } catch (e) {
    throw mapError(ctx, e, `consume ${stream}/${options.consumer}`);
  }
  const iter = messages;
  const loop = (async () => {
    for await (const m of iter) deliver(ctx, m, handler);
  })().catch((e: unknown) => ctx.log.error({ err: e, stream }, 'work queue consumer failed'));
  const stop = async (): Promise<void> => {
    untrack();
    await iter.close().catch(() => undefined);
    await loop;
  };
  const untrack = ctx.track(stop);
  return { stop };
}

function deliver(ctx: NatsContext, m: JsMsg, handler: (msg: WorkMessage) => Promise<void>): void {
  let settled = false;
  const settle = async (what: string, fn: () => void | Promise<unknown>): Promise<void> => {
    ctx.guard();
    settled = true;
    try {
      await fn();
      await ctx.nc.flush();
    } catch (e) {
      throw mapError(ctx, e, `${what} ${m.info.stream}#${m.seq}`);
    }
  };
  const msg: WorkMessage = {
    stream: m.info.stream,
    subject: m.subject,
    seq: m.seq,
    data: m.data,
    headers: fromNatsHeaders(m.headers),
    time: Math.floor(m.info.timestampNanos / 1_000_000),
    deliveryCount: m.info.redeliveryCount,
    // ackAck waits for the server to confirm: acknowledged means recorded.
    ack: () => settle('ack', () => beforeReconnect(ctx, `ack ${m.info.stream}#${m.seq}`, m.ackAck())),
    nak: (delayMs?: number) => settle('nak', () => m.nak(delayMs)),
    term: () => settle('term', () => m.term()),
    working: async () => {
      ctx.guard();
      m.working();
      await ctx.nc.flush();
    },
  };
  handler(msg)
    .catch(async (e: unknown) => {
      ctx.log.warn({ err: e, stream: msg.stream, seq: msg.seq }, 'work handler failed; delivering again');
      if (!settled) await msg.nak();
    })
    .catch((e: unknown) => ctx.log.error({ err: e }, 'work queue nak failed'));
}
