/**
 * The connected live-status clients, grouped by tenant, with their subscriptions. Each
 * event is serialized once and sent to every subscribed client of its tenant. A client
 * whose send buffer passes `maxBufferedBytes` is closed with 4008 "too slow" instead of
 * being buffered without bound; it resumes from its last sequence when it reconnects.
 */
import type { WebSocket } from '@trufflesuite/uws-js-unofficial';
import { stringifyJson } from '../json/big-json.ts';
import type { GatewayMetrics } from '../ops/metrics.ts';
import {
  CloseCodes,
  type LiveCommand,
  type LiveConnection,
  type LiveEvent,
} from './live-events.ts';

export interface LiveHubOptions {
  readonly maxBufferedBytes: number;
  readonly maxTopicsPerClient: number;
}

type Socket = WebSocket<LiveConnection>;

export class LiveHub {
  private readonly byTenant = new Map<string, Set<Socket>>();
  private clients = 0;

  constructor(
    private readonly options: LiveHubOptions,
    private readonly metrics: GatewayMetrics,
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
    this.metrics.wsClients.inc();
  }

  /** Called from uWS's close handler: the socket may not be used any more. */
  remove(ws: Socket): void {
    const conn = ws.getUserData();
    conn.closed = true;
    const set = this.byTenant.get(conn.principal.tenantId);
    if (set?.delete(ws) === true) {
      this.clients--;
      this.metrics.wsClients.dec();
      if (set.size === 0) this.byTenant.delete(conn.principal.tenantId);
    }
  }

  /** Applies a client's command; answers what to send back. */
  command(ws: Socket, cmd: LiveCommand): unknown {
    const conn = ws.getUserData();
    for (const t of cmd.topics) {
      if (cmd.op === 'unsubscribe') conn.topics.delete(t);
      else if (conn.topics.size < this.options.maxTopicsPerClient) conn.topics.add(t);
    }
    return { op: 'subscribed', topics: [...conn.topics] };
  }

  /** Sends to one client, closing it if it is too far behind. */
  send(ws: Socket, message: string): void {
    const conn = ws.getUserData();
    if (conn.closed) return;
    const status = ws.send(message, false, false);
    // 2: dropped at uWS's own limit; either way the client has lost its place.
    if (status === 2 || ws.getBufferedAmount() > this.options.maxBufferedBytes) {
      this.metrics.wsClosed.inc({ reason: 'too_slow' });
      ws.end(CloseCodes.tooSlow, 'too slow');
    }
  }

  broadcast(event: LiveEvent): number {
    const set = this.byTenant.get(event.tenantId);
    if (set === undefined) return 0;
    let message: string | undefined;
    let sent = 0;
    for (const ws of set) {
      if (!ws.getUserData().topics.has(event.topic)) continue;
      message ??= stringifyJson({
        op: 'event',
        topic: event.topic,
        seq: event.seq,
        data: event.data,
      });
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
        this.metrics.wsClosed.inc({ reason: 'shutdown' });
        ws.end(code, reason);
      }
    }
  }
}
