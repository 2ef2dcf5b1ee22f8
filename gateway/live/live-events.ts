/**
 * The seams between the gateway's live endpoint and where changes come from (the domain's
 * per-tenant event stream) and what a client sees first (a snapshot of its organization). The
 * gateway fans events out to subscribed clients and keeps each client's place in the stream.
 */
import type { Credentials } from '../auth/credentials.ts';
import type { Principal } from '../http/route.ts';

/** One record of a tenant's stream, for that tenant's clients subscribed to one of its topics. */
export interface LiveEvent {
  readonly tenantId: string;
  /** What it is about: always `events`, and `applications`, `vms` or `hosts` when it is. */
  readonly topics: readonly string[];
  /** Position in the tenant's stream (from 1, without gaps); a client resumes from the last one it saw. */
  readonly seq: number;
  readonly data: unknown;
}

export interface LiveEventSource {
  /** Starts delivering events as they happen (best effort: one may be missed); the returned function stops it. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
  /** The tenant's stored events from `fromSeq` to the end of its stream as of the call, in order. */
  resume(tenantId: string, fromSeq: number): AsyncIterable<LiveEvent>;
  /** The last sequence of the tenant's stream; 0 when it has none. */
  lastSequence(tenantId: string): Promise<number>;
}

/** What a new client gets before any event: its organization as of the stream's `seq`. */
export interface LiveSnapshot {
  /** Every event up to this one is reflected in the rest; events from `seq + 1` follow. */
  readonly seq: number;
  /** The organization's applications, each with its deployment's VMs and their states. */
  readonly applications: readonly unknown[];
  /** The hosts its VMs run on. */
  readonly hosts: readonly unknown[];
  /** The newest events, oldest first. */
  readonly events: readonly unknown[];
}

export interface LiveSnapshotSource {
  /** Reads `seq` first (`lastSequence`), then the objects, so nothing after `seq` is missed. */
  snapshot(principal: Principal, seq: number): Promise<LiveSnapshot>;
}

/** Where a client is in its tenant's stream. */
export type LiveSync =
  /** Connected, not subscribed yet: gets nothing. */
  | { readonly kind: 'idle' }
  /** Reading the snapshot or the stored events, sent to it alone. */
  | { readonly kind: 'catching-up'; delivered: number }
  /** Has read the stream past what the tenant's topics have had; joins them once they reach `delivered`. */
  | { readonly kind: 'waiting'; readonly delivered: number }
  /** On its tenant's uWS topic for its kinds (none when it has no kinds): gets what is published there. */
  | { readonly kind: 'live'; readonly topic: string | undefined };

/** Per-connection state, kept as the uWS socket's user data. */
export interface LiveConnection {
  readonly id: number;
  readonly principal: Principal;
  /** What it authenticated with, re-resolved to close it once revoked (live-credentials.ts); never logged. */
  readonly credentials: Credentials;
  readonly topics: Set<string>;
  sync: LiveSync;
  closed: boolean;
}

/**
 * Messages a client sends: `{"op":"subscribe","topics":["vms"],"fromSeq":41}` and its
 * opposite. The first subscribe starts delivery: a snapshot, or, with `fromSeq` (the last
 * sequence the client saw), the stored events after it.
 */
export interface LiveCommand {
  readonly op: 'subscribe' | 'unsubscribe';
  readonly topics: readonly string[];
  readonly fromSeq?: number;
}

/** The topics a record can have (events/live-event-source.ts `topicsOf`); any other name is refused. */
export const LIVE_TOPICS: readonly string[] = ['events', 'applications', 'vms', 'hosts'];

/** Close codes the gateway uses. */
export const CloseCodes = {
  goingAway: 1001,
  policy: 1008,
  /** The client did not read fast enough and its buffer passed the bound. */
  tooSlow: 4008,
  /** The organization's snapshot is larger than the gateway sends (`wsMaxSnapshotBytes`). */
  snapshotTooLarge: 4009,
  /** Its session or token no longer resolves (logout, user disabled, token deleted). */
  credentialsRevoked: 4001,
} as const;
