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

/** The part of a snapshot read from the control plane: the organization's objects. */
export interface LiveObjects {
  /** The organization's applications, each with its deployment's VMs and their states. */
  readonly applications: readonly unknown[];
  /** The hosts its VMs run on. */
  readonly hosts: readonly unknown[];
}

/** What a new client gets before any event: its organization as of the stream's `seq`. */
export interface LiveSnapshot extends LiveObjects {
  /** Every event up to this one is reflected in the rest; events from `seq + 1` follow. */
  readonly seq: number;
  /** Of the newest records (`RECENT_EVENTS` of them), those the principal may see, oldest first. */
  readonly events: readonly unknown[];
}

/**
 * Which events of an organization a principal may see, worked out once per subscription (and
 * again when its permissions change): all, none, or `some`, decided per event by `sees`, which
 * gives the same answer for every principal with the same `key`. The hub puts subscriptions with
 * equal keys on one uWS topic and asks `sees` once per event and key, never per socket.
 */
export type LiveEventFilter =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'some'; readonly key: string; sees(event: LiveEvent): boolean };

export const ALL_EVENTS: LiveEventFilter = { kind: 'all' };
export const NO_EVENTS: LiveEventFilter = { kind: 'none' };

export function filterSees(f: LiveEventFilter, e: LiveEvent): boolean {
  return f.kind === 'all' || (f.kind === 'some' && f.sees(e));
}

/**
 * What a principal may see of an organization, by the same rules as its REST reads: the
 * applications it may read, and the events of the stream it may see (those
 * `POST /notifications/search` answers it).
 */
export interface LiveSnapshotSource {
  /** The organization's objects as the principal may see them, read after `seq` was (`lastSequence`), so nothing after `seq` is missed. */
  snapshot(principal: Principal, organization: string, seq: number): Promise<LiveObjects>;
  /** The events of the organization's stream the principal may see, live and in a snapshot. */
  eventFilter(principal: Principal, organization: string): LiveEventFilter;
}

/** Where a subscription is in its organization's stream. */
export type LiveSync =
  /** Reading the snapshot or the stored events, sent to it alone. */
  | { readonly kind: 'catching-up'; delivered: number }
  /** Has read the stream past what the organization's topics have had; joins them once they reach `delivered`. */
  | { readonly kind: 'waiting'; readonly delivered: number }
  /** On the organization's uWS topic for its kinds (none when it has none it may read): gets what is published there. */
  | { readonly kind: 'live'; readonly topic: string | undefined };

/** A connection's subscription to one organization's stream, with its own place in it. */
export interface LiveSubscription {
  /** The organization's tenant id, as the gateway's principals and events name it. */
  readonly organization: string;
  readonly topics: Set<string>;
  /** The events its principal may see (LiveSnapshotSource.eventFilter), replaced when its permissions change. */
  events: LiveEventFilter;
  sync: LiveSync;
}

/** Per-connection state, kept as the uWS socket's user data. */
export interface LiveConnection {
  readonly id: number;
  /** Replaced when a credential re-check finds the same principal with other permissions. */
  principal: Principal;
  /** What it authenticated with, re-resolved to close it once revoked (live-credentials.ts); never logged. */
  readonly credentials: Credentials;
  /** By organization: its own, or for an operator any. */
  readonly subscriptions: Map<string, LiveSubscription>;
  closed: boolean;
  /** A ping is due to push out bytes a send left in uWS's buffer (live-hub.ts, nudgeLater). */
  nudging?: boolean;
}

/**
 * Messages a client sends: `{"op":"subscribe","topics":["vms"],"organization":7,"fromSeq":41}`
 * and its opposite. The first subscribe to an organization starts its delivery: a snapshot,
 * or, with `fromSeq` (the last sequence the client saw of it), the stored events after it.
 * Without `organization`: the principal's own (an operator must name one).
 */
export interface LiveCommand {
  readonly op: 'subscribe' | 'unsubscribe';
  readonly topics: readonly string[];
  readonly organization?: number;
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

/**
 * An organization as the messages name it: its id as a JSON number, as everywhere in the API.
 * (Tenant ids that are not decimal, as in gateways without the control plane, stay strings.)
 */
export function organizationOf(tenantId: string): number | string {
  const n = Number(tenantId);
  return /^[1-9][0-9]*$/.test(tenantId) && Number.isSafeInteger(n) ? n : tenantId;
}
