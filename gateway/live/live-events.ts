/**
 * The seam between the gateway's live endpoint and where changes come from (the domain's
 * per-tenant event stream). The gateway only fans events out to subscribed clients.
 */
import type { Principal } from '../http/route.ts';

/** One change, for the clients of one tenant subscribed to its topic. */
export interface LiveEvent {
  readonly tenantId: string;
  /** e.g. `applications`, `vms`, `events`. */
  readonly topic: string;
  /** Position in the tenant's stream; a client resumes from the last one it saw. */
  readonly seq: number;
  readonly data: unknown;
}

export interface LiveEventSource {
  /** Starts delivering events; the returned function stops it. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

/** Per-connection state, kept as the uWS socket's user data. */
export interface LiveConnection {
  readonly id: number;
  readonly principal: Principal;
  readonly topics: Set<string>;
  closed: boolean;
}

/** Messages a client sends: `{"op":"subscribe","topics":["vms"]}` and its opposite. */
export interface LiveCommand {
  readonly op: 'subscribe' | 'unsubscribe';
  readonly topics: readonly string[];
}

/** Close codes the gateway uses. */
export const CloseCodes = {
  goingAway: 1001,
  policy: 1008,
  /** The client did not read fast enough and its buffer passed the bound. */
  tooSlow: 4008,
} as const;
