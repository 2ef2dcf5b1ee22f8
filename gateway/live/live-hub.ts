/**
 * The connected live-status clients, grouped by tenant, with their subscriptions and their place
 * in the tenant's event stream. A client's first subscribe sends a snapshot (or, with `fromSeq`,
 * the stored events after it); then each event is serialized once and sent to every subscribed
 * client of its tenant. Live events come best effort, so a client that sees a gap reads the
 * stored stream until it has caught up: no client gets a sequence twice or skips one.
 * A client whose send buffer passes `maxBufferedBytes` is closed with 4008 "too slow" instead
 * of being buffered without bound; it resumes from its last sequence when it reconnects.
 */
import type { WebSocket } from '@trufflesuite/uws-js-unofficial';
import type { Logger } from '../../core/log.ts';
import { stringifyJson } from '../json/big-json.ts';
import type { GatewayMetrics } from '../ops/metrics.ts';
import {
  CloseCodes,
  type LiveCommand,
  type LiveConnection,
  type LiveEvent,
  type LiveEventSource,
  type LiveSnapshotSource,
} from './live-events.ts';

export interface LiveHubOptions {
  readonly maxBufferedBytes: number;
  readonly maxTopicsPerClient: number;
}

export interface LiveHubDeps {
  readonly source: LiveEventSource;
  readonly snapshots: LiveSnapshotSource;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
}

type Socket = WebSocket<LiveConnection>;

/** 1011: the server could not go on (the stream could not be read); the client reconnects. */
const INTERNAL_ERROR = 1011;

export class LiveHub {
  private readonly byTenant = new Map<string, Set<Socket>>();
  private clients = 0;

  constructor(
    private readonly options: LiveHubOptions,
    private readonly deps: LiveHubDeps,
  ) {}

  get size(): number {
    return this.clients;
  }

  add(ws: Socket): void {
    const tenant = ws.getUserData().principal.tenantId;
    let set = this.byTenant.get(tenant);
    if (set === undefined) this.byTenant.set(tenant, (set = new Set()));
    set.add(ws);
    this.clients++;
    this.deps.metrics.wsClients.inc();
  }

  /** Called from uWS's close handler: the socket may not be used any more. */
  remove(ws: Socket): void {
    const conn = ws.getUserData();
    conn.closed = true;
    const set = this.byTenant.get(conn.principal.tenantId);
    if (set?.delete(ws) === true) {
      this.clients--;
      this.deps.metrics.wsClients.dec();
      if (set.size === 0) this.byTenant.delete(conn.principal.tenantId);
    }
  }

  /** Applies a client's command; answers what to send back. The first subscribe starts delivery. */
  command(ws: Socket, cmd: LiveCommand): unknown {
    const conn = ws.getUserData();
    for (const t of cmd.topics) {
      if (cmd.op === 'unsubscribe') conn.topics.delete(t);
      else if (conn.topics.size < this.options.maxTopicsPerClient) conn.topics.add(t);
    }
    if (cmd.op === 'subscribe' && conn.sync.kind === 'idle') {
      conn.sync = { kind: 'catching-up', delivered: cmd.fromSeq ?? 0, seen: 0 };
      // The answer goes out first: the snapshot or the stored events come after an await.
      queueMicrotask(() => void this.catchUp(ws, cmd.fromSeq === undefined));
    }
    return { op: 'subscribed', topics: [...conn.topics] };
  }

  /** Sends to one client, closing it if it is too far behind. */
  send(ws: Socket, message: string | Buffer): void {
    const conn = ws.getUserData();
    if (conn.closed) return;
    const status = ws.send(message, false, false);
    // 2: dropped at uWS's own limit; either way the client has lost its place.
    if (status === 2 || ws.getBufferedAmount() > this.options.maxBufferedBytes) {
      this.deps.metrics.wsClosed.inc({ reason: 'too_slow' });
      this.end(ws, CloseCodes.tooSlow, 'too slow');
    }
  }

  /** A live event: sent to clients in step, noted by those catching up, a gap starts a catch-up. */
  broadcast(event: LiveEvent): number {
    const set = this.byTenant.get(event.tenantId);
    if (set === undefined) return 0;
    // Encoded once: uWS would convert a string to UTF-8 again for every client.
    let message: Buffer | undefined;
    let sent = 0;
    for (const ws of set) {
      const conn = ws.getUserData();
      const sync = conn.sync;
      if (sync.kind === 'idle') continue;
      if (sync.kind === 'catching-up') {
        sync.seen = Math.max(sync.seen, event.seq);
        continue;
      }
      if (event.seq <= sync.delivered) continue; // had it already (from the stream)
      if (event.seq > sync.delivered + 1) {
        conn.sync = { kind: 'catching-up', delivered: sync.delivered, seen: event.seq };
        void this.catchUp(ws, false);
        continue;
      }
      sync.delivered = event.seq;
      if (!wants(conn, event)) continue;
      message ??= Buffer.from(eventMessage(event));
      this.send(ws, message);
      sent++;
    }
    return sent;
  }

  /** Shutdown: every client gets 1001 going away. */
  closeAll(code: number = CloseCodes.goingAway, reason = 'server shutting down'): void {
    for (const set of [...this.byTenant.values()]) {
      for (const ws of [...set]) {
        if (ws.getUserData().closed) continue;
        this.deps.metrics.wsClosed.inc({ reason: 'shutdown' });
        this.end(ws, code, reason);
      }
    }
  }

  /**
   * Brings a client from where it is to the end of the stored stream, then lets live events
   * through. Live events seen meanwhile were stored before they were published, so one more
   * pass over the stream gets them; the switch to live happens with no await after the check.
   */
  private async catchUp(ws: Socket, withSnapshot: boolean): Promise<void> {
    const conn = ws.getUserData();
    const tenant = conn.principal.tenantId;
    const { source } = this.deps;
    try {
      // A sequence past the stream's end is not from this stream: start afresh.
      let snapshot = withSnapshot || (conn.sync.kind === 'catching-up' && conn.sync.delivered > (await source.lastSequence(tenant)));
      for (;;) {
        if (conn.closed || conn.sync.kind !== 'catching-up') return;
        const sync = conn.sync;
        if (snapshot) {
          const seq = await source.lastSequence(tenant);
          const snap = await this.deps.snapshots.snapshot(conn.principal, seq);
          if (conn.closed) return;
          sync.delivered = snap.seq;
          this.send(ws, stringifyJson({ op: 'snapshot', ...snap }));
          snapshot = false;
        }
        const before = sync.delivered;
        for await (const e of source.resume(tenant, sync.delivered + 1)) {
          if (conn.closed) return;
          if (e.seq <= sync.delivered) continue;
          if (e.seq !== sync.delivered + 1) {
            snapshot = true; // the stream no longer holds what the client missed
            break;
          }
          sync.delivered = e.seq;
          if (wants(conn, e)) this.send(ws, eventMessage(e));
        }
        if (snapshot) continue;
        if (sync.seen > sync.delivered && sync.delivered > before) continue;
        if (sync.seen > sync.delivered) {
          // Published but not in the stream: nothing more to read, so accept the gap.
          this.deps.log.warn({ tenant, from: sync.delivered, to: sync.seen }, 'live events missing from the stream');
          sync.delivered = sync.seen;
        }
        conn.sync = { kind: 'live', delivered: sync.delivered };
        return;
      }
    } catch (err) {
      this.deps.log.warn({ err, tenant }, 'live catch-up failed');
      this.end(ws, INTERNAL_ERROR, 'cannot read the event stream');
    }
  }

  private end(ws: Socket, code: number, reason: string): void {
    const conn = ws.getUserData();
    if (conn.closed) return;
    conn.closed = true;
    ws.end(code, reason);
  }
}

function wants(conn: LiveConnection, e: LiveEvent): boolean {
  return e.topics.some((t) => conn.topics.has(t));
}

function eventMessage(e: LiveEvent): string {
  return stringifyJson({ op: 'event', seq: e.seq, topics: e.topics, data: e.data });
}
