/**
 * The connected live-status clients, grouped by tenant, with their subscriptions and their place
 * in the tenant's event stream. A client's first subscribe sends it a snapshot (or, with
 * `fromSeq`, the stored events after it) on its own; once it has read the stream up to where
 * its tenant's feed is, it joins the feed's uWS topic for its kinds, from which each later event
 * reaches it with every other client's in one native publish (tenant-feed.ts). No await lies
 * between the check that it is level with the feed and the join, so it gets no sequence twice
 * and skips none.
 * A live client whose send buffer passes `maxBufferedBytes` is closed with 4008 "too slow"
 * instead of being buffered without bound; it resumes from its last sequence when it reconnects.
 * A client catching up is never closed for its own snapshot or backlog: each of those sends waits
 * until the buffer has drained below the bound, and the snapshot, which is sent whole, is held to
 * its own hard cap `maxSnapshotBytes` (4009 "snapshot too large") instead.
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
import { eventMessage, TenantFeed, type LivePublisher } from './tenant-feed.ts';
import { tooManyTopicsError } from './live-endpoint.ts';

export interface LiveHubOptions {
  readonly maxBufferedBytes: number;
  readonly maxTopicsPerClient: number;
  /** Largest snapshot sent (encoded); past it the client is closed with 4009. */
  readonly maxSnapshotBytes: number;
}

export interface LiveHubDeps {
  readonly source: LiveEventSource;
  readonly snapshots: LiveSnapshotSource;
  readonly publisher: LivePublisher;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
}

type Socket = WebSocket<LiveConnection>;

/** 1011: the server could not go on (the stream could not be read); the client reconnects. */
export const INTERNAL_ERROR = 1011;

interface Tenant {
  readonly feed: TenantFeed;
  readonly clients: Set<Socket>;
  /** Clients that read the stream past the feed, by the sequence they wait for. */
  readonly waiting: Set<Socket>;
}

export class LiveHub {
  private readonly tenants = new Map<string, Tenant>();
  private clients = 0;
  /** Clients of the tenants published to since the last look at their buffers. */
  private readonly toCheck = new Set<ReadonlySet<Socket>>();
  /** Catching-up clients waiting for their send buffer to drain below the bound. */
  private readonly drainWaiters = new Map<Socket, () => void>();

  constructor(
    private readonly options: LiveHubOptions,
    private readonly deps: LiveHubDeps,
  ) {}

  get size(): number {
    return this.clients;
  }

  add(ws: Socket): void {
    this.tenantOf(ws.getUserData().principal.tenantId).clients.add(ws);
    this.clients++;
    this.deps.metrics.wsClients.inc();
  }

  /** Called from uWS's close handler: the socket may not be used any more (uWS unsubscribes it). */
  remove(ws: Socket): void {
    const conn = ws.getUserData();
    conn.closed = true;
    this.wake(ws);
    const id = conn.principal.tenantId;
    const tenant = this.tenants.get(id);
    if (tenant?.clients.delete(ws) !== true) return;
    tenant.waiting.delete(ws);
    if (conn.sync.kind === 'live' && conn.sync.topic !== undefined) tenant.feed.left(conn.sync.topic);
    this.clients--;
    this.deps.metrics.wsClients.dec();
    if (tenant.clients.size === 0) this.tenants.delete(id);
  }

  /** Applies a client's command and answers it. The first subscribe starts delivery. */
  command(ws: Socket, cmd: LiveCommand): void {
    const conn = ws.getUserData();
    const max = this.options.maxTopicsPerClient;
    if (cmd.op === 'subscribe' && new Set([...conn.topics, ...cmd.topics]).size > max) return this.send(ws, tooManyTopicsError(max));
    for (const t of cmd.topics) {
      if (cmd.op === 'unsubscribe') conn.topics.delete(t);
      else conn.topics.add(t);
    }
    // Sending also writes out what was published to it and not yet drained: uWS would drop
    // that on leaving the topic below.
    this.send(ws, stringifyJson({ op: 'subscribed', topics: [...conn.topics] }));
    if (conn.sync.kind === 'live') this.goLive(ws, conn.sync.topic); // onto the topic of its new kinds
    if (cmd.op === 'subscribe' && conn.sync.kind === 'idle') {
      conn.sync = { kind: 'catching-up', delivered: cmd.fromSeq ?? 0 };
      void this.catchUp(ws, cmd.fromSeq === undefined); // the snapshot or stored events come after an await
    }
  }

  /**
   * Sends to one client, closing it if it is too far behind. A client not yet live may hold its
   * snapshot on top of the bound (its catch-up sends wait for drain, so only answers add to it).
   */
  send(ws: Socket, message: string | Buffer): void {
    const conn = ws.getUserData();
    if (conn.closed) return;
    const status = ws.send(message, false, false);
    const { maxBufferedBytes, maxSnapshotBytes } = this.options;
    const bound = conn.sync.kind === 'live' ? maxBufferedBytes : maxBufferedBytes + maxSnapshotBytes;
    // 2: dropped at uWS's own limit; either way the client has lost its place.
    if (status === 2 || ws.getBufferedAmount() > bound) this.tooSlow(ws);
  }

  /** uWS's drain handler: a catching-up client waiting for room goes on once it is below the bound. */
  drained(ws: Socket): void {
    if (ws.getBufferedAmount() <= this.options.maxBufferedBytes) this.wake(ws);
  }

  private wake(ws: Socket): void {
    const resume = this.drainWaiters.get(ws);
    this.drainWaiters.delete(ws);
    resume?.();
  }

  /** Resolves once the client's send buffer is at most the bound (or it closed). */
  private async room(ws: Socket): Promise<void> {
    while (!ws.getUserData().closed && ws.getBufferedAmount() > this.options.maxBufferedBytes) {
      await new Promise<void>((resolve) => this.drainWaiters.set(ws, resolve));
    }
  }

  /** A live event: published once to its tenant's topics; the number of clients it went to. */
  broadcast(event: LiveEvent): number {
    return this.tenants.get(event.tenantId)?.feed.receive(event) ?? 0;
  }

  /** The open clients of a tenant (all: undefined), for the credential re-check. */
  connections(tenantId: string | undefined): Array<{ readonly conn: LiveConnection; revoke(): void }> {
    const tenants = tenantId === undefined ? [...this.tenants.values()] : [this.tenants.get(tenantId)];
    return tenants.flatMap((tenant) =>
      [...(tenant?.clients ?? [])]
        .filter((ws) => !ws.getUserData().closed)
        .map((ws) => ({ conn: ws.getUserData(), revoke: () => this.revoke(ws) })),
    );
  }

  private revoke(ws: Socket): void {
    this.deps.metrics.wsClosed.inc({ reason: 'credentials_revoked' });
    this.end(ws, CloseCodes.credentialsRevoked, 'credentials revoked');
  }

  /** Shutdown: every client gets 1001 going away. */
  closeAll(code: number = CloseCodes.goingAway, reason = 'server shutting down'): void {
    for (const tenant of [...this.tenants.values()]) {
      for (const ws of [...tenant.clients]) {
        if (ws.getUserData().closed) continue;
        this.deps.metrics.wsClosed.inc({ reason: 'shutdown' });
        this.end(ws, code, reason);
      }
    }
  }

  private tenantOf(id: string): Tenant {
    let tenant = this.tenants.get(id);
    if (tenant !== undefined) return tenant;
    const clients = new Set<Socket>();
    const waiting = new Set<Socket>();
    const feed: TenantFeed = new TenantFeed(id, {
      source: this.deps.source,
      publisher: this.deps.publisher,
      log: this.deps.log,
      hooks: {
        published: (seq) => {
          if (waiting.size > 0) this.released(waiting, seq);
          this.checkBuffersSoon(clients);
        },
        lost: (from, to) => {
          this.deps.log.warn({ tenant: id, from, to }, 'live events gone from the stream; clients start again');
          this.endLive(clients, INTERNAL_ERROR, 'events lost, resume');
        },
        failed: (err) => {
          this.deps.log.warn({ err, tenant: id }, 'live feed could not read the event stream');
          this.endLive(clients, INTERNAL_ERROR, 'cannot read the event stream');
        },
      },
    });
    tenant = { feed, clients, waiting };
    this.tenants.set(id, tenant);
    return tenant;
  }

  /** The feed reached `seq`: clients waiting for it join; those it passed read the stream again. */
  private released(waiting: Set<Socket>, seq: number): void {
    for (const ws of [...waiting]) {
      const sync = ws.getUserData().sync;
      if (sync.kind !== 'waiting' || sync.delivered > seq) continue;
      waiting.delete(ws);
      if (sync.delivered === seq) this.goLive(ws, undefined);
      else {
        ws.getUserData().sync = { kind: 'catching-up', delivered: sync.delivered };
        void this.catchUp(ws, false);
      }
    }
  }

  /** Puts a client on the topic of its kinds, leaving `from` if it is another. */
  private goLive(ws: Socket, from: string | undefined): void {
    const conn = ws.getUserData();
    const { feed } = this.tenantOf(conn.principal.tenantId);
    const topic = feed.topicFor(conn.topics);
    if (conn.sync.kind === 'live' && topic === from) return;
    // Joining first: uWS writes out the socket's pending frames before it joins a topic.
    if (topic !== undefined) {
      ws.subscribe(topic);
      feed.joined(topic, conn.topics);
    }
    if (from !== undefined) {
      ws.unsubscribe(from);
      feed.left(from);
    }
    conn.sync = { kind: 'live', topic };
  }

  /**
   * Brings a client from where it is to where its tenant's feed is, sending it the snapshot and
   * the stored events itself, then puts it on the feed's topic. Events published meanwhile were
   * stored before, so one more pass over the stream gets them.
   */
  private async catchUp(ws: Socket, withSnapshot: boolean): Promise<void> {
    const conn = ws.getUserData();
    const id = conn.principal.tenantId;
    const { source } = this.deps;
    try {
      // A sequence past the stream's end is not from this stream: start afresh.
      let snapshot = withSnapshot || (conn.sync.kind === 'catching-up' && conn.sync.delivered > (await source.lastSequence(id)));
      for (;;) {
        if (conn.closed || conn.sync.kind !== 'catching-up') return;
        const sync = conn.sync;
        if (snapshot) {
          const seq = await source.lastSequence(id);
          const snap = await this.deps.snapshots.snapshot(conn.principal, seq);
          if (conn.closed) return;
          const message = Buffer.from(stringifyJson({ op: 'snapshot', ...snap }));
          if (message.length > this.options.maxSnapshotBytes) {
            this.deps.log.warn({ tenant: id, bytes: message.length }, 'live snapshot over its cap');
            this.deps.metrics.wsClosed.inc({ reason: 'snapshot_too_large' });
            this.end(ws, CloseCodes.snapshotTooLarge, 'snapshot too large');
            return;
          }
          await this.room(ws);
          if (conn.closed) return;
          sync.delivered = snap.seq;
          this.send(ws, message);
          snapshot = false;
        }
        const before = sync.delivered;
        for await (const e of source.resume(id, sync.delivered + 1)) {
          if (conn.closed) return;
          if (e.seq <= sync.delivered) continue;
          if (e.seq !== sync.delivered + 1) {
            snapshot = true; // the stream no longer holds what the client missed
            break;
          }
          if (!wants(conn, e)) {
            sync.delivered = e.seq;
            continue;
          }
          await this.room(ws); // a long backlog goes out as fast as the client reads, not faster
          if (conn.closed) return;
          sync.delivered = e.seq;
          this.send(ws, eventMessage(e));
        }
        if (snapshot) continue;
        if (conn.closed) return;
        // It joins the feed with room to spare, or the next publish would find it too slow.
        if (ws.getBufferedAmount() > this.options.maxBufferedBytes) {
          await this.room(ws);
          continue; // published meanwhile: read on
        }
        // From here to the join without an await: nothing can be published in between.
        const tenant = this.tenantOf(id);
        const feed = tenant.feed;
        feed.published ??= sync.delivered; // the first of its tenant: the feed starts here
        if (sync.delivered < feed.published) {
          if (sync.delivered > before) continue; // published meanwhile: read on
          // Published but not in the stream: nothing more to read, so accept the gap.
          this.deps.log.warn({ tenant: id, from: sync.delivered, to: feed.published }, 'live events missing from the stream');
          sync.delivered = feed.published;
        }
        if (sync.delivered === feed.published) this.goLive(ws, undefined);
        else {
          conn.sync = { kind: 'waiting', delivered: sync.delivered };
          tenant.waiting.add(ws);
        }
        return;
      }
    } catch (err) {
      this.deps.log.warn({ err, tenant: id }, 'live catch-up failed');
      this.end(ws, INTERNAL_ERROR, 'cannot read the event stream');
    }
  }

  /**
   * Published frames reach the sockets when uWS drains its topics, before the next immediate
   * callbacks; then each client of the tenant is checked against the bound once, however many
   * events went out. uWS's own `maxBackpressure` is set above it only as a backstop.
   */
  private checkBuffersSoon(clients: ReadonlySet<Socket>): void {
    if (this.toCheck.size === 0) setImmediate(() => this.checkBuffers());
    this.toCheck.add(clients);
  }

  private checkBuffers(): void {
    const bound = this.options.maxBufferedBytes;
    for (const clients of this.toCheck) {
      for (const ws of clients) {
        const conn = ws.getUserData();
        if (conn.sync.kind === 'live' && !conn.closed && ws.getBufferedAmount() > bound) this.tooSlow(ws);
      }
    }
    this.toCheck.clear();
  }

  private tooSlow(ws: Socket): void {
    this.deps.metrics.wsClosed.inc({ reason: 'too_slow' });
    this.end(ws, CloseCodes.tooSlow, 'too slow');
  }

  /** Closes the clients on the topics (they resume from their last sequence). */
  private endLive(clients: ReadonlySet<Socket>, code: number, reason: string): void {
    for (const ws of [...clients]) if (ws.getUserData().sync.kind === 'live') this.end(ws, code, reason);
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
