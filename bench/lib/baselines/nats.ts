/**
 * Raw NATS through `nats` (no Ravel code), the baselines of anything sent over the bus:
 * request/reply to a responder that only answers, and the same responder doing writes (e.g. a
 * raw Hazelcast set and a raw JetStream key-value put) before it answers.
 */
import { StorageType, connect, type NatsConnection } from 'nats';
import { measureRate, type Rate } from './rate.ts';

export interface RequestReplyOptions {
  readonly seconds: number;
  readonly inFlight: number;
  readonly payload: Uint8Array;
  /** What the responder does before answering (its write), given a request counter. */
  readonly beforeAnswer?: (i: number) => Promise<void>;
}

/** Request/reply between two connections of this process, through the server at `url`. */
export async function natsRequestReply(url: string, o: RequestReplyOptions): Promise<Rate> {
  const responder = await connect({ servers: url, name: 'bench-responder' });
  const requester = await connect({ servers: url, name: 'bench-requester' });
  try {
    let served = 0;
    const subject = `bench.echo.${Math.random().toString(36).slice(2)}`;
    responder.subscribe(subject, {
      callback: (err, m) => {
        if (err !== null) return;
        if (o.beforeAnswer === undefined) m.respond(m.data);
        else void o.beforeAnswer(served++).then(() => m.respond(m.data));
      },
    });
    await responder.flush();
    return await measureRate(o.seconds, o.inFlight, () => requester.request(subject, o.payload, { timeout: 10_000 }));
  } finally {
    await requester.close();
    await responder.close();
  }
}

/** A raw JetStream key-value bucket (file storage) and its put. */
export async function rawJetStreamKv(url: string, bucket: string, replicas = 1): Promise<{ put(key: string, value: Uint8Array): Promise<void>; close(): Promise<void> }> {
  const nc: NatsConnection = await connect({ servers: url, name: 'bench-kv' });
  const kv = await nc.jetstream().views.kv(bucket, { storage: StorageType.File, replicas, history: 1 });
  return {
    put: async (key, value) => void (await kv.put(key, value)),
    close: () => nc.close(),
  };
}

/** Publish/subscribe between two connections of this process: messages a second received. */
export async function natsPubSub(url: string, messages: number, payload: Uint8Array): Promise<number> {
  const sub = await connect({ servers: url, name: 'bench-sub' });
  const pub = await connect({ servers: url, name: 'bench-pub' });
  try {
    const subject = `bench.pubsub.${Math.random().toString(36).slice(2)}`;
    let got = 0;
    const done = new Promise<void>((resolve) => {
      sub.subscribe(subject, {
        callback: () => {
          if (++got === messages) resolve();
        },
      });
    });
    await sub.flush();
    const t0 = performance.now();
    for (let i = 0; i < messages; i++) {
      pub.publish(subject, payload);
      // Let the socket drain now and then, as a real publisher would.
      if (i % 10_000 === 0) await pub.flush();
    }
    await done;
    return messages / ((performance.now() - t0) / 1000);
  } finally {
    await pub.close();
    await sub.close();
  }
}
