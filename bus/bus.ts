/**
 * The Bus seam: how processes talk. Core messaging (publish/subscribe, request/reply, queue
 * groups) and the durable parts (streams, work queues, key-value buckets).
 *
 * Implementations: `NatsBus` (bus/nats/, NATS core and JetStream through `nats`) and
 * `EmbeddedBus` (bus/embedded/, in-process; streams and buckets kept on LMDB so they survive a
 * restart). Both pass the one conformance suite in bus/bus.conformance.ts.
 *
 * Payloads are bytes; encode values with core/codec. Subjects are dot-separated tokens of
 * letters, digits, `_` and `-`; subscriptions may use `*` (one token) and `>` (the rest).
 * A malformed subject throws SUBJECT_INVALID before anything is sent.
 *
 * Errors (RavelError codes): NO_RESPONDERS (nobody listens: reported at once), TIMEOUT (the
 * deadline passed), UNAVAILABLE (not connected and could not reconnect in time), CONFLICT
 * (a compare-and-set lost), NOT_FOUND (no such stream or bucket), CLOSED (used after close).
 */
import type { Closeable } from '../core/lifecycle.ts';

export type Headers = Readonly<Record<string, string>>;

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers;
  /** Where a reply goes, when the sender asked for one. */
  readonly reply: string | undefined;
}

/**
 * Called once per message, in arrival order per subscription. A returned promise is not awaited
 * before the next message is handed over (a slow handler must not stall the subscription); a
 * rejection is logged. Handlers that need one-at-a-time processing queue the work themselves.
 */
export type MessageHandler = (msg: BusMessage) => void | Promise<void>;

export interface SubscribeOptions {
  /** Members of one queue group share the messages: each goes to one of them. */
  queue?: string;
}

export interface Subscription {
  readonly subject: string;
  /**
   * Stops delivery; resolves once the server routes nothing more here (messages already on their
   * way are still handled) and the handler promises started have settled.
   */
  unsubscribe(): Promise<void>;
}

export interface PublishOptions {
  headers?: Headers;
  /** Ask the receiver to answer here (for replies routed by hand). */
  reply?: string;
}

export interface RequestOptions {
  /** Deadline in ms, positive. Required: there is no hidden default. An abort fails with TIMEOUT. */
  timeoutMs: number;
  headers?: Headers;
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------- streams

export interface StreamConfig {
  /** Letters, digits, `_` and `-`. */
  name: string;
  /** Subjects captured by the stream; wildcards allowed. */
  subjects: string[];
  /**
   * `limits`: a log kept until its limits drop old messages (event streams).
   * `workqueue`: a message is removed once a consumer acknowledges it (durable jobs).
   */
  retention: 'limits' | 'workqueue';
  /** Copies kept (NATS cluster); the embedded bus keeps one on LMDB. Default 1. */
  replicas?: number;
  maxAgeMs?: number;
  maxMessages?: number;
  maxBytes?: number;
  /** Window in which a repeated `msgId` is answered as a duplicate and not stored again. */
  duplicateWindowMs?: number;
}

export interface DurablePublishOptions {
  headers?: Headers;
  /** Idempotency: a second publish with the same id within the window is not stored again. */
  msgId?: string;
  /** Optimistic concurrency on the whole stream: refused with CONFLICT unless it matches. */
  expectedLastSeq?: number;
}

/** The stream's acknowledgement: the message is stored (and synced, see DESIGN.md). */
export interface PublishAck {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
}

export interface StoredMessage {
  readonly stream: string;
  readonly subject: string;
  readonly seq: number;
  readonly data: Uint8Array;
  readonly headers: Headers;
  /** When the stream stored it, ms since the epoch. */
  readonly time: number;
}

export interface ReplayOptions {
  /** First sequence to deliver (default 1: the oldest kept). */
  fromSeq?: number;
  filterSubject?: string;
}

export interface WorkQueueOptions {
  /** The durable consumer's name: it survives restarts and keeps its position. */
  consumer: string;
  filterSubject?: string;
  /** Unacknowledged for this long: delivered again. */
  ackWaitMs: number;
  /** Deliveries before a message is given up on (terminated). Default: unlimited. */
  maxDeliver?: number;
  /** Messages handed out at once without acknowledgement. Default 1. */
  maxInFlight?: number;
}

export interface WorkMessage extends StoredMessage {
  /** 1 for the first delivery. */
  readonly deliveryCount: number;
  /** Done: never delivered again. */
  ack(): Promise<void>;
  /** Not done: deliver again, after `delayMs` when given. */
  nak(delayMs?: number): Promise<void>;
  /** Still working: restart the ack-wait clock. */
  working(): Promise<void>;
  /** Never deliver again, without success. */
  term(): Promise<void>;
}

export interface Consumer {
  /** Stops taking messages; the ones in hand may still be acknowledged. */
  stop(): Promise<void>;
}

export interface Streams {
  /** Creates the stream, or updates the config of an existing one of that name. */
  ensure(config: StreamConfig): Promise<void>;
  delete(name: string): Promise<void>;
  info(name: string): Promise<{ firstSeq: number; lastSeq: number; messages: number }>;
  /** Stores a message on the stream that captures `subject`; NOT_FOUND when none does. */
  publish(subject: string, data: Uint8Array, options?: DurablePublishOptions): Promise<PublishAck>;
  /** One stored message by sequence, or undefined when none is kept there. */
  get(stream: string, seq: number): Promise<StoredMessage | undefined>;
  /**
   * Replays stored messages from `fromSeq` in order, then follows new ones as they are stored,
   * until the signal aborts, the iterator is returned, or the bus closes (the loop just ends).
   */
  replay(stream: string, options?: ReplayOptions, signal?: AbortSignal): AsyncIterable<StoredMessage>;
  /**
   * Pulls from a durable work-queue consumer and hands each message to `handler`. A handler that
   * rejects without settling the message naks it. Unfinished messages are delivered again after
   * ackWait (measured on the bus's clock), also to a consumer opened after a restart.
   */
  consume(
    stream: string,
    options: WorkQueueOptions,
    handler: (msg: WorkMessage) => Promise<void>,
  ): Promise<Consumer>;
}

// ---------------------------------------------------------------------------- key-value

export interface KvEntry {
  readonly key: string;
  readonly value: Uint8Array;
  /** Grows with every write to the bucket; compare-and-set is on it. */
  readonly revision: number;
}

export interface KvBucketConfig {
  /** Copies kept (NATS cluster). Default 1. */
  replicas?: number;
  /** Old revisions kept per key, for history. Default 1. */
  history?: number;
}

export type KvCasResult = { readonly ok: true; readonly revision: number } | { readonly ok: false };

/** One compare-and-set of a batch: `create` when `expectedRevision` is 0, else `update`. */
export interface KvCasWrite {
  readonly key: string;
  readonly value: Uint8Array;
  readonly expectedRevision: number;
}

/**
 * A bucket of a key-value store. Bucket names follow stream names; keys are letters, digits and
 * `- / _ = .` without empty dot-separated segments (INVALID_ARGUMENT otherwise). Acknowledged
 * writes are durable. A compare-and-set that loses answers `{ ok: false }`; it does not throw.
 */
export interface KeyValue {
  readonly bucket: string;
  /**
   * The largest value a write takes (kv-limits.ts). A larger one is refused with
   * PAYLOAD_TOO_LARGE before anything is written; in `updateMany`, the whole batch is.
   */
  readonly maxValueBytes: number;
  get(key: string): Promise<KvEntry | undefined>;
  /** Writes unconditionally. */
  put(key: string, value: Uint8Array): Promise<number>;
  /** Writes only if the key has no live value. */
  create(key: string, value: Uint8Array): Promise<KvCasResult>;
  /** Writes only if the key's current revision is `expectedRevision`. */
  update(key: string, value: Uint8Array, expectedRevision: number): Promise<KvCasResult>;
  /**
   * Many compare-and-sets at once, answered per write in the order given: what `create` (when
   * `expectedRevision` is 0) or `update` of each would answer. Not a transaction: each write wins
   * or loses on its own, in order, so a second write of the same key in one batch sees the first.
   * Resolves once every winning write is durable. It exists to share the cost among writers
   * that commit at the same moment: the embedded bus writes the batch in one LMDB transaction
   * with one flush to disk; NATS sends every publish before awaiting any acknowledgement
   * (pipelined on the one connection). INVALID_ARGUMENT for a bad key, PAYLOAD_TOO_LARGE for a value
   * over `maxValueBytes`, before anything is written.
   */
  updateMany(writes: readonly KvCasWrite[]): Promise<KvCasResult[]>;
  /** Removes the key; with `expectedRevision`, only if it still matches. */
  delete(key: string, expectedRevision?: number): Promise<KvCasResult>;
  /** Live keys, optionally filtered by a prefix. */
  keys(prefix?: string): Promise<string[]>;
}

// ---------------------------------------------------------------------------- the bus

export interface Bus extends Closeable {
  publish(subject: string, data: Uint8Array, options?: PublishOptions): void;
  subscribe(subject: string, handler: MessageHandler, options?: SubscribeOptions): Subscription;
  /** Sends and waits for the first reply. NO_RESPONDERS at once when nobody listens. */
  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<BusMessage>;
  /** Answers a message that carried a reply subject. */
  respond(msg: BusMessage, data: Uint8Array, headers?: Headers): void;
  /** Resolves when everything published so far has reached the server. */
  flush(): Promise<void>;
  readonly streams: Streams;
  /** Opens the bucket, creating it on first use. */
  kv(bucket: string, config?: KvBucketConfig): Promise<KeyValue>;
}
