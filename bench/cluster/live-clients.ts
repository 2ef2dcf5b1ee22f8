/**
 * The live-console workload: WebSocket clients per tenant on `/api/v1/live`, subscribed to
 * every topic, reconnecting to the next gateway when theirs goes away. Each connection attempt
 * is an operation in the history; every event must be of the client's own tenant, or it is a
 * violation. Events received are counted per second.
 */
import WebSocket from 'ws';
import type { WorkloadContext } from './history.ts';
import { TenantClient, type TenantLogin } from './rest-client.ts';


export async function runLiveClients(o: WorkloadContext): Promise<void> {
  const clients: Array<Promise<void>> = [];
  for (const tenant of o.tenants) for (let i = 0; i < o.concurrency; i++) clients.push(oneClient(o, tenant, i));
  await Promise.all(clients);
}

let serial = 0;

async function oneClient(o: WorkloadContext, tenant: TenantLogin, i: number): Promise<void> {
  const rest = new TenantClient(tenant, o.gateways, i);
  let count = 0;
  const tick = setInterval(() => {
    o.record({ type: 'live', tenant: tenant.name, at: Date.now(), events: count });
    count = 0;
  }, 1000);
  try {
    while (Date.now() < o.deadline) {
      if (!(await rest.ensureLogin())) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const id = `${o.proc}-ws${++serial}`;
      const gateway = rest.gateway;
      const t0 = Date.now();
      o.record({ type: 'invoke', id, op: 'ws-connect', tenant: tenant.name, at: t0, gateway });
      const ws = new WebSocket(`${gateway.replace(/^http/, 'ws')}/api/v1/live`, { headers: { cookie: rest.sessionCookie } });
      let answered = false;
      const closed = new Promise<void>((resolve) => {
        ws.on('open', () => {
          answered = true;
          o.record({ type: 'ok', id, op: 'ws-connect', tenant: tenant.name, at: Date.now(), ms: Date.now() - t0 });
          ws.send(JSON.stringify({ op: 'subscribe', topics: ['events', 'applications', 'vms'] }));
        });
        ws.on('unexpected-response', (_req, res) => {
          answered = true;
          o.record({ type: 'fail', id, op: 'ws-connect', tenant: tenant.name, at: Date.now(), ms: Date.now() - t0, status: res.statusCode ?? 0, code: `HTTP_${res.statusCode ?? 0}` });
          // The session may have been lost with the node: log in again.
          if (res.statusCode === 401) void rest.call('GET', '/organization');
          ws.terminate();
        });
        ws.on('message', (data) => {
          const m = JSON.parse((data as Buffer).toString('utf8')) as { op?: string; data?: { tenantId?: number } };
          if (m.op !== 'event') return;
          count++;
          if (m.data?.tenantId !== tenant.organizationId) {
            o.record({ type: 'violation', tenant: tenant.name, at: Date.now(), rule: 'tenant-isolation', detail: `live event of tenant ${m.data?.tenantId}` });
          }
        });
        ws.on('error', () => undefined);
        ws.on('close', () => {
          if (!answered) o.record({ type: 'fail', id, op: 'ws-connect', tenant: tenant.name, at: Date.now(), ms: Date.now() - t0, status: 0, code: 'CONNECTION_LOST' });
          resolve();
        });
      });
      const stopAt = setTimeout(() => ws.close(1000), Math.max(0, o.deadline - Date.now()));
      await closed;
      clearTimeout(stopAt);
      if (ws.readyState !== WebSocket.CLOSED || Date.now() < o.deadline) {
        rest.rotate();
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  } finally {
    clearInterval(tick);
  }
}
