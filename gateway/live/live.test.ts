/** /api/v1/live over real WebSockets: auth at upgrade, subscriptions, slow clients, shutdown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { alice, bob } from '../test-support/fake-authenticator.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';
import type { LiveEvent, LiveEventSource } from './live-events.ts';

const liveUrl = (t: TestGateway): string => `${t.api.replace(/^http/, 'ws')}/live`;

function connect(t: TestGateway, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(liveUrl(t), { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Messages as text, in arrival order. */
function collect(ws: WebSocket): string[] {
  const got: string[] = [];
  ws.on('message', (d: Buffer) => got.push(d.toString('utf8')));
  return got;
}

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code: number, reason: Buffer) =>
      resolve({ code, reason: reason.toString() }),
    ),
  );
}

test('an upgrade without valid credentials is refused with 401 before upgrading', async () => {
  const t = await startTestGateway();
  try {
    for (const headers of [
      {},
      { cookie: 'ravel_session=forged' },
      { 'x-ephemeral-token-authorization': 'nope' },
    ]) {
      const status = await new Promise<{ status: number; code: string | string[] | undefined }>(
        (resolve, reject) => {
          const ws = new WebSocket(liveUrl(t), { headers });
          ws.once('unexpected-response', (_req, res) => {
            resolve({ status: res.statusCode ?? 0, code: res.headers['error-code'] });
            res.resume();
            ws.terminate();
          });
          ws.once('open', () => reject(new Error('upgraded without credentials')));
          ws.once('error', () => undefined);
        },
      );
      assert.deepEqual(status, { status: 401, code: 'UNAUTHENTICATED' });
    }
    assert.equal(t.gw.liveClients, 0);
  } finally {
    await t.stop();
  }
});

test('subscribed clients get their tenant’s events, big integers exact; other tenants get nothing', async () => {
  let emit: (e: LiveEvent) => void = () => undefined;
  const events: LiveEventSource = {
    subscribe(listener) {
      emit = listener;
      return () => (emit = () => undefined);
    },
  };
  const t = await startTestGateway({}, { events });
  try {
    const a = await connect(t, { cookie: `ravel_session=${t.auth.session(alice)}` });
    const b = await connect(t, { 'x-ephemeral-token-authorization': t.auth.token(bob) });
    const gotA = collect(a);
    const gotB = collect(b);
    a.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
    b.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
    b.send('not json');
    await waitFor(() => gotA.length === 1 && gotB.length === 2, 'subscription answers');
    assert.deepEqual(JSON.parse(gotA[0] as string), { op: 'subscribed', topics: ['vms'] });
    assert.equal((JSON.parse(gotB[1] as string) as { op: string }).op, 'error');
    emit({ tenantId: 'org-1', topic: 'vms', seq: 1, data: { vmId: 2n ** 63n, state: 'STARTED' } });
    emit({ tenantId: 'org-1', topic: 'applications', seq: 2, data: {} }); // not subscribed
    emit({ tenantId: 'org-2', topic: 'vms', seq: 1, data: { vmId: 1, state: 'STOPPED' } });
    await waitFor(() => gotA.length === 2 && gotB.length === 3, 'events');
    assert.equal(
      gotA[1],
      '{"op":"event","topic":"vms","seq":1,"data":{"vmId":9223372036854775808,"state":"STARTED"}}',
    );
    assert.equal(
      (JSON.parse(gotB[2] as string) as { data: { state: string } }).data.state,
      'STOPPED',
    );
    await sleep(20);
    assert.equal(gotA.length, 2, 'no event of another topic or tenant');
    a.close();
    b.close();
    await waitFor(() => t.gw.liveClients === 0, 'clients gone');
  } finally {
    await t.stop();
  }
});

test('a client that stops reading is closed with 4008 "too slow" once its buffer passes the bound', async () => {
  const t = await startTestGateway({}, { tuning: { wsMaxBufferedBytes: 64 * 1024 } });
  try {
    const ws = await connect(t, { cookie: `ravel_session=${t.auth.session(alice)}` });
    const got = collect(ws);
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
    await waitFor(() => got.length === 1, 'subscribed');
    const closing = closed(ws);
    ws.pause(); // stop reading: the kernel buffers fill, then uWS's
    const payload = 'x'.repeat(16 * 1024);
    let sent = 0;
    while (t.gw.liveClients > 0 && sent < 20_000) {
      t.gw.broadcast({ tenantId: 'org-1', topic: 'vms', seq: sent++, data: payload });
      if (sent % 16 === 0) await tick();
    }
    assert.equal(t.gw.liveClients, 0, `closed by the server after ${sent} events`);
    const metrics = await (await fetch(`${t.gw.url}/metrics`)).text();
    assert.match(metrics, /ravel_ws_closed_total\{reason="too_slow"\} 1/);
    ws.resume();
    const { code, reason } = await closing;
    // The close frame queues behind the unread data; uWS may cut the socket before it gets through.
    if (code !== 1006) assert.deepEqual({ code, reason }, { code: 4008, reason: 'too slow' });
  } finally {
    await t.stop();
  }
});

test('messages over maxPayloadLength close the connection', async () => {
  const t = await startTestGateway({}, { tuning: { wsMaxPayloadBytes: 1024 } });
  try {
    const ws = await connect(t, { cookie: `ravel_session=${t.auth.session(alice)}` });
    const closing = closed(ws);
    ws.send('y'.repeat(4096));
    const { code } = await closing;
    assert.notEqual(code, 1000);
    await waitFor(() => t.gw.liveClients === 0, 'client gone');
  } finally {
    await t.stop();
  }
});

test('graceful shutdown closes WebSockets with 1001 going away and refuses new connections', async () => {
  const t = await startTestGateway();
  const ws = await connect(t, { cookie: `ravel_session=${t.auth.session(alice)}` });
  const closing = closed(ws);
  await t.stop();
  assert.equal((await closing).code, 1001);
  await assert.rejects(fetch(`${t.api}/public`));
  assert.equal(t.gw.lifecycle.status, 'stopped');
});
