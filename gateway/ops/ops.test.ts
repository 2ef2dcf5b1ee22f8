/** /healthz, /readyz, /metrics and the console's static files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alice } from '../test-support/fake-authenticator.ts';
import { openSocket, readUntil, statusOf } from '../test-support/raw-http.ts';
import { startTestGateway } from '../test-support/test-gateway.ts';

test('healthz answers while readyz follows the probes, naming the one that failed', async () => {
  let busUp = false;
  const t = await startTestGateway(
    {},
    {
      readiness: [
        { name: 'grid', check: async () => true },
        { name: 'bus', check: async () => busUp },
      ],
    },
  );
  try {
    const h = await fetch(`${t.gw.url}/healthz`);
    assert.equal(h.status, 200);
    const down = await fetch(`${t.gw.url}/readyz`);
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), {
      ready: false,
      checks: { grid: { ok: true }, bus: { ok: false, error: 'probe said not ready' } },
    });
    busUp = true;
    const up = await fetch(`${t.gw.url}/readyz`);
    assert.equal(up.status, 200);
    assert.equal(((await up.json()) as { ready: boolean }).ready, true);
  } finally {
    await t.stop();
  }
});

test('a probe that never answers makes readyz 503 after the timeout on the clock', async () => {
  const t = await startTestGateway(
    {},
    {
      readiness: [{ name: 'grid', check: () => new Promise(() => undefined) }],
      tuning: { readinessTimeoutMs: 500 },
    },
  );
  try {
    let r: Response | undefined;
    const pending = fetch(`${t.gw.url}/readyz`).then((x) => (r = x));
    // The probe's timer exists once the request has arrived; move the clock until it fires.
    while (r === undefined) {
      await t.clock.advance(100);
      await new Promise((res) => setTimeout(res, 5));
    }
    await pending;
    assert.equal(r.status, 503);
    assert.match(JSON.stringify(await r.json()), /no answer within 500 ms/);
  } finally {
    await t.stop();
  }
});

test('metrics: Prometheus text with requests and latency per route and status, WS clients, and hooked figures', async () => {
  const t = await startTestGateway(
    {},
    { metrics: [() => '# TYPE ravel_actor_mailbox_depth gauge\nravel_actor_mailbox_depth 3'] },
  );
  try {
    const cookie = `ravel_session=${t.auth.session(alice)}`;
    await fetch(`${t.api}/things/1`, { headers: { cookie } });
    await fetch(`${t.api}/things/1`, { headers: { cookie } });
    await fetch(`${t.api}/things/404`, { headers: { cookie } });
    await fetch(`${t.api}/nowhere`);
    const r = await fetch(`${t.gw.url}/metrics`);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await r.text();
    assert.match(
      text,
      /ravel_http_requests_total\{route="\/things\/\{id\}",method="GET",status="200"\} 2/,
    );
    assert.match(
      text,
      /ravel_http_requests_total\{route="\/things\/\{id\}",method="GET",status="404"\} 1/,
    );
    assert.match(
      text,
      /ravel_http_requests_total\{route="unmatched",method="GET",status="404"\} 1/,
    );
    assert.match(
      text,
      /ravel_http_request_duration_seconds_bucket\{le="0.005",route="\/things\/\{id\}",method="GET",status="200"\} \d/,
    );
    assert.match(text, /ravel_ws_clients 0/);
    assert.match(text, /ravel_actor_mailbox_depth 3\n/);
  } finally {
    await t.stop();
  }
});

test('console files are served with their content types; traversal finds nothing', async () => {
  const t = await startTestGateway();
  try {
    const index = await fetch(`${t.gw.url}/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await index.text(), /<title>Ravel console<\/title>/);
    assert.equal((await fetch(`${t.gw.url}/index.html`)).status, 200);
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/..%2fpackage.json',
      '/console/../../package.json',
      '/index.html%00.js',
    ]) {
      const s = await openSocket(t.gw.port);
      s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const raw = await readUntil(s, /\r\n\r\n[\s\S]*\}/);
      s.destroy();
      assert.equal(statusOf(raw), 404, path);
      assert.doesNotMatch(raw, /"name": "ravel"/);
    }
  } finally {
    await t.stop();
  }
});
