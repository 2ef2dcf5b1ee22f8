/**
 * The connected live-status clients and their subscriptions, grouped by organization, each with
 * its place in that organization's event stream. A connection subscribes to its own organization
 * (an operator to any, several at once), each subscription with its own sequence. A
 * subscription's first subscribe sends it a snapshot (or, with `fromSeq`, the stored events
 * after it) on its own; once it has read the stream up to where the organization's feed is, it
 * joins the feed's uWS topic for its kinds, from which each later event reaches it with every
 * other client's in one native publish (tenant-feed.ts). No await lies between the check that
 * it is level with the feed and the join, so it gets no sequence twice and skips none.
 * What a principal sees is what it may read through REST (LiveSnapshotSource): the applications
 * it may read, and the events it may see (its LiveEventFilter, worked out once per subscription;
 * those with equal filters share a topic, so filtering costs once per event and filter, not per
 * socket); sequences stay the stream's, so a filtered client sees gaps in them and resumes from
 * its last one like any other. When a credential re-check finds its permissions changed (a role,
 * a token's scope), each subscription's filter is worked out again and it starts again from a
 * fresh snapshot.
 * A live client whose send buffer passes `maxBufferedBytes` is closed with 4008 "too slow"
 * instead of being buffered without bound; it resumes from its last sequences when it reconnects.
 * A client catching up is never closed for its own snapshot or backlog: each of those sends waits
 * until the buffer has drained below the bound, and the snapshot, which is sent whole, is held to
 * its own hard cap `maxSnapshotBytes` (4009 "snapshot too large") instead.
 */
import type { WebSocket } from '@trufflesuite/uws-js-unofficial';
import { nudgeLater } from './socket-nudge.ts';
import { isRavelError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { stringifyJson } from '../json/big-json.ts';
import type { Principal } from '../http/route.ts';
import type { GatewayMetrics } from '../ops/metrics.ts';
import {
  CloseCodes,
  filterSees,
  organizationOf,
  type LiveCommand,
  type LiveConnection,
  type LiveEvent,
  type LiveEventSource,
  type LiveObjects,
  type LiveSnapshotSource,
  type LiveSubscription,
} from './live-events.ts';
import { eventMessage, TenantFeed, type LivePublisher } from './tenant-feed.ts';
import { noOrganizationError, notYourOrganizationError, organizationRequiredError, tooManyTopicsError } from './live-endpoint.ts';

export interface LiveHubOptions {
  readonly maxBufferedBytes: number;
  /** Over all of a connection's subscriptions; one with no topic counts as one. */
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

/** How many of the newest events a snapshot carries. */
export const RECENT_EVENTS = 50;

/** The snapshot message of an organization at `seq`. */
export function snapshotMessage(organization: string, seq: number, objects: LiveObjects, events: readonly unknown[]): string {
  return stringifyJson({ op: 'snapshot', organization: organizationOf(organization), seq, applications: objects.applications, hosts: objects.hosts, events });
}

interface Tenant {
  readonly feed: TenantFeed;
  /** Sockets with a subscription to this organization. */
  readonly clients: Set<Socket>;
  /** Of those, the ones whose subscription read the stream past the feed. */
  readonly waiting: Set<Socket>;
}

export class LiveHub {
  private readonly tenants = new Map<string, Tenant>();
  private readonly sockets = new Set<Socket>();
  /** Clients of the organizations published to since the last look at their buffers. */
  private readonly toCheck = new Map<string, ReadonlySet<Socket>>();
  /** Catching-up subscriptions waiting for their socket's send buffer to drain below the bound. */
  private readonly drainWaiters = new Map<Socket, Array<() => void>>();
  /** Recent events of a snapshot, shared by the clients of an organization arriving together. */
  private readonly recentReads = new Map<string, Promise<LiveEvent[]>>();

  constructor(
    private readonly options: LiveHubOptions,
    private readonly deps: LiveHubDeps,
  ) {}

  get size(): number {
    return this.sockets.size;
  }

  add(ws: Socket): void {
    this.sockets.add(ws);
    this.deps.metrics.wsClients.inc();
  }

  /** Called from uWS's close handler: the socket may not be used any more (uWS unsubscribes it). */
  remove(ws: Socket): void {
    const conn = ws.getUserData();
    conn.closed = true;
    this.wake(ws);
    if (!this.sockets.delete(ws)) return;
    for (const sub of conn.subscriptions.values()) this.leave(ws, sub);
    this.deps.metrics.wsClients.dec();
  }

  /** Takes a subscription off its organization's feed and lists (the socket is closing). */
  private leave(ws: Socket, sub: LiveSubscription): void {
    const id = sub.organization;
    const tenant = this.tenants.get(id);
    if (tenant?.clients.delete(ws) !== true) return;
    tenant.waiting.delete(ws);
    if (sub.sync.kind === 'live' && sub.sync.topic !== undefined) tenant.feed.left(sub.sync.topic);
    if (tenant.clients.size === 0) this.tenants.delete(id);
  }

  /**
   * Applies a client's command and answers it. The first subscribe to an organization starts its
   * delivery. Without `organization` the command is about the principal's own; naming another is
   * for operators only, and is answered with an error that changes nothing.
   */
  command(ws: Socket, cmd: LiveCommand): void {
    const conn = ws.getUserData();
    const { principal } = conn;
    const organization = cmd.organization === undefined ? (principal.operator ? undefined : principal.tenantId) : String(cmd.organization);
    if (organization === undefined) return this.send(ws, organizationRequiredError);
    if (!principal.operator && organization !== principal.tenantId) return this.send(ws, notYourOrganizationError(cmd.organization ?? organization));
    let sub = conn.subscriptions.get(organization);
    const max = this.options.maxTopicsPerClient;
    if (cmd.op === 'subscribe') {
      let total = Math.max(1, new Set([...(sub?.topics ?? []), ...cmd.topics]).size);
      for (const other of conn.subscriptions.values()) if (other !== sub) total += Math.max(1, other.topics.size);
      if (total > max) return this.send(ws, tooManyTopicsError(max));
    }
    if (sub === undefined && cmd.op === 'subscribe') {
      sub = {
        organization,
        topics: new Set(),
        events: this.deps.snapshots.eventFilter(principal, organization),
        sync: { kind: 'catching-up', delivered: cmd.fromSeq ?? 0 },
      };
      conn.subscriptions.set(organization, sub);
      this.tenantOf(organization).clients.add(ws);
      for (const t of cmd.topics) sub.topics.add(t);
      this.send(ws, subscribedMessage(sub));
      void this.catchUp(ws, sub, cmd.fromSeq === undefined); // the snapshot or stored events come after an await
      return;
    }
    // An unsubscribe before any subscribe does not start delivery.
    if (sub === undefined) return this.send(ws, stringifyJson({ op: 'subscribed', organization: organizationOf(organization), topics: [] }));
    for (const t of cmd.topics) {
      if (cmd.op === 'unsubscribe') sub.topics.delete(t);
      else sub.topics.add(t);
    }
    // Sending also writes out what was published to it and not yet drained: uWS would drop
    // that on leaving the topic below.
    this.send(ws, subscribedMessage(sub));
    if (sub.sync.kind === 'live') this.goLive(ws, sub, sub.sync.topic); // onto the topic of its new kinds
  }

  /**
   * The connection's principal is the same one with other permissions (live-credentials.ts):
   * each subscription leaves the feed and starts again from a fresh snapshot, filtered anew.
   */
  refilter(ws: Socket, principal: Principal): void {
    const conn = ws.getUserData();
    if (conn.closed) return;
    conn.principal = principal;
    for (const sub of conn.subscriptions.values()) {
      const tenant = this.tenantOf(sub.organization);
      const sync = sub.sync;
      if (sync.kind === 'live' && sync.topic !== undefined) {
        ws.unsubscribe(sync.topic);
        tenant.feed.left(sync.topic);
      }
      tenant.waiting.delete(ws);
      // What it may see is worked out anew: a token's application scope may have changed.
      sub.events = this.deps.snapshots.eventFilter(principal, sub.organization);
      // A new sync object: a catch-up still running on the old one stops at its next step.
      sub.sync = { kind: 'catching-up', delivered: sync.kind === 'live' ? (tenant.feed.published ?? 0) : sync.delivered };
      void this.catchUp(ws, sub, true);
    }
  }

  /**
   * Sends to one client, closing it if it is too far behind. A client with a subscription not yet
   * live may hold its snapshot on top of the bound (catch-up sends wait for drain).
   */
  send(ws: Socket, message: string | Buffer): void {
    const conn = ws.getUserData();
    if (conn.closed) return;
    // Corked: most sends come after an await, outside uWS's callbacks; what the kernel did not
    // take there may wait in uWS's buffer for a write that never comes (socket-nudge.ts).
    let status = 0;
    ws.cork(() => {
      status = ws.send(message, false, false);
    });
    // 2: dropped at uWS's own limit; either way the client has lost its place.
    const buffered = ws.getBufferedAmount();
    if (status === 2 || buffered > this.boundOf(conn)) this.tooSlow(ws);
    else if (buffered > 0) nudgeLater(ws);
  }

  private boundOf(conn: LiveConnection): number {
    const { maxBufferedBytes, maxSnapshotBytes } = this.options;
    for (const sub of conn.subscriptions.values()) if (sub.sync.kind !== 'live') return maxBufferedBytes + maxSnapshotBytes;
    return maxBufferedBytes;
  }

  /** uWS's drain handler: catching-up subscriptions waiting for room go on once it is below the bound. */
  drained(ws: Socket): void {
    if (ws.getBufferedAmount() <= this.options.maxBufferedBytes) this.wake(ws);
  }

  private wake(ws: Socket): void {
    const resume = this.drainWaiters.get(ws);
    this.drainWaiters.delete(ws);
    for (const r of resume ?? []) r();
  }

  /** Resolves once the client's send buffer is at most the bound (or it closed). */
  private async room(ws: Socket): Promise<void> {
    while (!ws.getUserData().closed && ws.getBufferedAmount() > this.options.maxBufferedBytes) {
      await new Promise<void>((resolve) => {
        const list = this.drainWaiters.get(ws);
        if (list === undefined) this.drainWaiters.set(ws, [resolve]);
        else list.push(resolve);
      });
    }
  }

  /** A live event: published once to its organization's topics; the number of clients it went to. */
  broadcast(event: LiveEvent): number {
    return this.tenants.get(event.tenantId)?.feed.receive(event) ?? 0;
  }

  /**
   * The open clients whose principal belongs to an organization (all: undefined), for the
   * credential re-check: by where they authenticated, not what they watch.
   */
  connections(tenantId: string | undefined): Array<{ readonly conn: LiveConnection; revoke(): void; refilter(p: Principal): void }> {
    return [...this.sockets]
      .filter((ws) => !ws.getUserData().closed && (tenantId === undefined || ws.getUserData().principal.tenantId === tenantId))
      .map((ws) => ({ conn: ws.getUserData(), revoke: () => this.revoke(ws), refilter: (p: Principal) => this.refilter(ws, p) }));
  }

  private revoke(ws: Socket): void {
    this.deps.metrics.wsClosed.inc({ reason: 'credentials_revoked' });
    this.end(ws, CloseCodes.credentialsRevoked, 'credentials revoked');
  }

  /** Shutdown: every client gets 1001 going away. */
  closeAll(code: number = CloseCodes.goingAway, reason = 'server shutting down'): void {
    for (const ws of [...this.sockets]) {
      if (ws.getUserData().closed) continue;
      this.deps.metrics.wsClosed.inc({ reason: 'shutdown' });
      this.end(ws, code, reason);
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
          if (waiting.size > 0) this.released(id, waiting, seq);
          this.checkBuffersSoon(id, clients);
        },
        lost: (from, to) => {
          this.deps.log.warn({ tenant: id, from, to }, 'live events gone from the stream; clients start again');
          this.endLive(id, clients, INTERNAL_ERROR, 'events lost, resume');
        },
        failed: (err) => {
          this.deps.log.warn({ err, tenant: id }, 'live feed could not read the event stream');
          this.endLive(id, clients, INTERNAL_ERROR, 'cannot read the event stream');
        },
      },
    });
    tenant = { feed, clients, waiting };
    this.tenants.set(id, tenant);
    return tenant;
  }

  /** The feed reached `seq`: subscriptions waiting for it join; those it passed read the stream again. */
  private released(id: string, waiting: Set<Socket>, seq: number): void {
    for (const ws of [...waiting]) {
      const sub = ws.getUserData().subscriptions.get(id);
      const sync = sub?.sync;
      if (sub === undefined || sync?.kind !== 'waiting' || sync.delivered > seq) continue;
      waiting.delete(ws);
      if (sync.delivered === seq) this.goLive(ws, sub, undefined);
      else {
        sub.sync = { kind: 'catching-up', delivered: sync.delivered };
        void this.catchUp(ws, sub, false);
      }
    }
  }

  /** Puts a subscription on the topic of its kinds and event filter (none if it sees no events), leaving `from` if it is another. */
  private goLive(ws: Socket, sub: LiveSubscription, from: string | undefined): void {
    const { feed } = this.tenantOf(sub.organization);
    const topic = feed.topicFor(sub.topics, sub.events);
    if (sub.sync.kind === 'live' && topic === from) return;
    // Joining first: uWS writes out the socket's pending frames before it joins a topic.
    if (topic !== undefined) {
      ws.subscribe(topic);
      feed.joined(topic, sub.topics, sub.events);
    }
    if (from !== undefined) {
      ws.unsubscribe(from);
      feed.left(from);
    }
    sub.sync = { kind: 'live', topic };
  }

  /**
   * Brings a subscription from where it is to where its organization's feed is, sending it the
   * snapshot and the stored events itself, then puts it on the feed's topic. Events published
   * meanwhile were stored before, so one more pass over the stream gets them. Stops as soon as
   * the subscription's sync is replaced (a refilter starts another).
   */
  private async catchUp(ws: Socket, sub: LiveSubscription, withSnapshot: boolean): Promise<void> {
    const conn = ws.getUserData();
    const sync = sub.sync;
    if (sync.kind !== 'catching-up') return;
    const id = sub.organization;
    const { source } = this.deps;
    const gone = (): boolean => conn.closed || sub.sync !== sync;
    try {
      // A sequence past the stream's end is not from this stream: start afresh.
      let snapshot = withSnapshot || sync.delivered > (await source.lastSequence(id));
      let snapshotSent = false;
      for (;;) {
        if (gone()) return;
        if (snapshot) {
          const seq = await source.lastSequence(id);
          const [objects, events] = await Promise.all([
            this.deps.snapshots.snapshot(conn.principal, id, seq),
            sub.events.kind === 'none' ? [] : this.recentEvents(id, seq),
          ]);
          if (gone()) return;
          const message = Buffer.from(snapshotMessage(id, seq, objects, events.filter((e) => filterSees(sub.events, e)).map((e) => e.data)));
          if (message.length > this.options.maxSnapshotBytes) {
            this.deps.log.warn({ tenant: id, bytes: message.length }, 'live snapshot over its cap');
            this.deps.metrics.wsClosed.inc({ reason: 'snapshot_too_large' });
            this.end(ws, CloseCodes.snapshotTooLarge, 'snapshot too large');
            return;
          }
          await this.room(ws);
          if (gone()) return;
          sync.delivered = seq;
          this.send(ws, message);
          snapshot = false;
          snapshotSent = true;
        }
        const before = sync.delivered;
        for await (const e of source.resume(id, sync.delivered + 1)) {
          if (gone()) return;
          if (e.seq <= sync.delivered) continue;
          if (e.seq !== sync.delivered + 1) {
            snapshot = true; // the stream no longer holds what the client missed
            break;
          }
          if (!wants(sub, e)) {
            sync.delivered = e.seq;
            continue;
          }
          await this.room(ws); // a long backlog goes out as fast as the client reads, not faster
          if (gone()) return;
          sync.delivered = e.seq;
          this.send(ws, eventMessage(e));
        }
        if (snapshot) continue;
        if (gone()) return;
        if (sync.delivered === before && !snapshotSent && (await source.lastSequence(id)) > before) {
          // The stream read nothing it holds past the client's place (past its retention): afresh.
          snapshot = true;
          continue;
        }
        // It joins the feed with room to spare, or the next publish would find it too slow.
        if (ws.getBufferedAmount() > this.options.maxBufferedBytes) {
          await this.room(ws);
          continue; // published meanwhile: read on
        }
        // From here to the join without an await: nothing can be published in between.
        const tenant = this.tenantOf(id);
        const feed = tenant.feed;
        feed.published ??= sync.delivered; // the first of its organization: the feed starts here
        if (sync.delivered < feed.published) {
          if (sync.delivered > before) continue; // published meanwhile: read on
          // Published but not in the stream: nothing more to read, so accept the gap.
          this.deps.log.warn({ tenant: id, from: sync.delivered, to: feed.published }, 'live events missing from the stream');
          sync.delivered = feed.published;
        }
        if (sync.delivered === feed.published) this.goLive(ws, sub, undefined);
        else {
          sub.sync = { kind: 'waiting', delivered: sync.delivered };
          tenant.waiting.add(ws);
        }
        return;
      }
    } catch (err) {
      if (isRavelError(err, 'NOT_FOUND') && !gone()) {
        // No such organization (an operator's mistake): this subscription ends, the others go on.
        conn.subscriptions.delete(id);
        this.leave(ws, sub);
        this.send(ws, noOrganizationError(sub.organization));
        return;
      }
      this.deps.log.warn({ err, tenant: id }, 'live catch-up failed');
      this.end(ws, INTERNAL_ERROR, 'cannot read the event stream');
    }
  }

  /** The newest records of the stream up to `seq`, oldest first; one read for clients arriving together (each filters it). */
  private recentEvents(id: string, seq: number): Promise<LiveEvent[]> {
    const key = `${id}@${seq}`;
    let read = this.recentReads.get(key);
    if (read === undefined) {
      read = (async () => {
        const out: LiveEvent[] = [];
        for await (const e of this.deps.source.resume(id, Math.max(1, seq - RECENT_EVENTS + 1))) {
          if (e.seq > seq) break;
          out.push(e);
        }
        return out.slice(-RECENT_EVENTS);
      })().finally(() => this.recentReads.delete(key));
      this.recentReads.set(key, read);
    }
    return read;
  }

  /**
   * Published frames reach the sockets when uWS drains its topics, before the next immediate
   * callbacks; then each client of the organization is checked against the bound once, however
   * many events went out. uWS's own `maxBackpressure` is set above it only as a backstop.
   */
  private checkBuffersSoon(id: string, clients: ReadonlySet<Socket>): void {
    if (this.toCheck.size === 0) setImmediate(() => this.checkBuffers());
    this.toCheck.set(id, clients);
  }

  private checkBuffers(): void {
    for (const [id, clients] of this.toCheck) {
      for (const ws of clients) {
        const conn = ws.getUserData();
        if (!conn.closed && conn.subscriptions.get(id)?.sync.kind === 'live' && ws.getBufferedAmount() > this.boundOf(conn)) this.tooSlow(ws);
      }
    }
    this.toCheck.clear();
  }

  private tooSlow(ws: Socket): void {
    this.deps.metrics.wsClosed.inc({ reason: 'too_slow' });
    this.end(ws, CloseCodes.tooSlow, 'too slow');
  }

  /** Closes the clients live on the organization's topics (they resume from their last sequences). */
  private endLive(id: string, clients: ReadonlySet<Socket>, code: number, reason: string): void {
    for (const ws of [...clients]) if (ws.getUserData().subscriptions.get(id)?.sync.kind === 'live') this.end(ws, code, reason);
  }

  private end(ws: Socket, code: number, reason: string): void {
    const conn = ws.getUserData();
    if (conn.closed) return;
    conn.closed = true;
    ws.end(code, reason);
  }
}

function subscribedMessage(sub: LiveSubscription): string {
  return stringifyJson({ op: 'subscribed', organization: organizationOf(sub.organization), topics: [...sub.topics] });
}

function wants(sub: LiveSubscription, e: LiveEvent): boolean {
  return e.topics.some((t) => sub.topics.has(t)) && filterSees(sub.events, e);
}
